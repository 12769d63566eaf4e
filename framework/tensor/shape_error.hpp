// The error every op throws for arguments it cannot accept: wrong shapes, ranks, dtypes or
// attributes. Its message starts with the op's name and shows the shapes involved.
#pragma once

#include "core/host_error.hpp"

namespace chimera {

class ShapeError : public HostError {
public:
    using HostError::HostError;
};

}  // namespace chimera
