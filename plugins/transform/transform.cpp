// The `transform` encoder: y = scale * activation(x) + shift, elementwise, no parameters. Glue
// between nodes that agree on shapes but not on ranges: a decoder's logits to [0, 1] images
// (sigmoid), a GAN's [-1, 1] images to [0, 1] (scale 0.5, shift 0.5) for a classifier trained
// on those. Not a layer to learn with: it has nothing to train.
#include <chimera/chimera.hpp>

namespace {

using chimera::Param;
using chimera::Tensor;
namespace ops = chimera::ops;

class Transform : public chimera::Encoder {
public:
    static chimera::Description describe() {
        return {"transform", "1.0.0", "y = scale * activation(x) + shift, elementwise (no parameters)",
                {Param::string("input", "x", "name of the input this node reads"),
                 Param::string("activation", "none", "applied first").choices({"none", "sigmoid", "tanh", "relu"}),
                 Param::real("scale", 1.0, "multiplies the activation"),
                 Param::real("shift", 0.0, "added last")},
                {chimera::Port::input("{input}", CHM_DTYPE_F32, "", "any float32 tensor")},
                {chimera::Port::output("y", CHM_DTYPE_F32, "", "scale * activation(x) + shift, shaped like the input")}};
    }
    Transform(chimera::Host host, const chimera::Config& c)
        : chimera::Encoder(host), input_(c.get<std::string>("input")), activation_(c.get<std::string>("activation")),
          scale_(c.get<double>("scale")), shift_(c.get<double>("shift")) {}

    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        Tensor y = in[input_];
        if (activation_ == "sigmoid") y = ops::sigmoid(y);
        else if (activation_ == "tanh") y = ops::tanh(y);
        else if (activation_ == "relu") y = ops::relu(y);
        if (scale_ != 1.0) y = ops::mul_scalar(y, scale_);
        if (shift_ != 0.0) y = ops::add_scalar(y, shift_);
        out.set("y", y);
    }

private:
    std::string input_, activation_;
    double scale_, shift_;
};

}  // namespace

CHIMERA_PLUGIN("transform", "1.0.0", "Elementwise glue between nodes", Transform)
