// Header-only C++17 wrapper over <chimera/abi.h> for plugin authors.
//
// It gives one exception type (chimera::Error), a typed view of the configuration
// (chimera::Config), a parameter-schema builder (chimera::Param), a base class per component kind,
// and one macro (CHIMERA_PLUGIN) that defines the library's entry symbol. It adds no state and no
// ABI of its own: everything it does is expressed through the C structs and the host table, and
// exceptions never cross the boundary (guard() turns them into statuses).
#ifndef CHIMERA_CHIMERA_HPP
#define CHIMERA_CHIMERA_HPP

// The wrapper in parts, each a header of its own under chimera/cpp/.
#include <chimera/cpp/core.hpp>        // Error, guard, Host, Tensor, NoGrad
#include <chimera/cpp/ops.hpp>         // chimera::ops
#include <chimera/cpp/config.hpp>      // Config, Param, Description
#include <chimera/cpp/components.hpp>  // Component, Inputs, Outputs, Module and the kinds
#include <chimera/cpp/reduction.hpp>   // a loss's `reduction` option and "mask" input
#include <chimera/cpp/plugin.hpp>      // CHIMERA_PLUGIN

#endif  // CHIMERA_CHIMERA_HPP
