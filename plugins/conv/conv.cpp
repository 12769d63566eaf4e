// The `conv` encoder and `deconv` generator: conv (or transposed-conv) blocks with batch norm,
// activation, dropout and 2x2 pooling, set by parallel per-block lists, between dense layers and
// the mlp plugin's heads. Sizes round down as PyTorch's; a block that cannot apply names itself.
// A class condition joins the encoder's flattened features (or its image, as constant channels)
// and the generator's z. Defaults: the conv autoencoder (its decoder adds hidden: [1024]).
#include "conv_net.hpp"

namespace conv_plugin {

template <class T>
void append(std::vector<T>& to, const std::vector<T>& more) {
    to.insert(to.end(), more.begin(), more.end());
}

std::string square(int64_t h, int64_t w) { return std::to_string(h) + "x" + std::to_string(w); }

// Images [N, C, H, W] through conv blocks, flattened, hidden dense layers, then one head ("y")
// or a Gaussian head ("mu", "logvar").
class ConvEncoder : public ConvNet<chimera::Encoder> {
public:
    static chimera::Description describe() {
        std::vector<Param> p{
            Param::string("input", "x", "name of the image input [N, C, H, W] this node reads"),
            Param::int_list("in_shape", {},
                            "[C, H, W] of the input, to build before the first batch (empty: from the first batch)")
                .min(1),
            Param::int_list("channels", {32, 64, 128}, "output channels of each block (one block per value)").min(1)};
        append(p, block_params(false));
        append(p, hidden_params(false));
        append(p,
               {Param::string("head", "single", "single (output y) or gaussian (outputs mu and logvar)")
                    .choices({"single", "gaussian"}),
                Param::integer("out_features", 128, "width of the output (the latent size for a gaussian head)").min(1),
                Param::string("output_activation", "none", "activation of the output")
                    .choices({"none", "sigmoid", "tanh"})});
        append(p, condition_params());
        p.push_back(Param::string("condition_at", "features",
                                  "where the condition joins: features (appended to the flattened blocks' output) or "
                                  "image (one constant channel per value beside the input's)")
                        .choices({"features", "image"}));
        // 1.1.0: output "features" (what the head reads), for feature-space evaluation (FID).
        return {"conv", "1.1.0",
                "Convolutional encoder: conv blocks (batch norm, activation, pooling), flatten, dense layers, one or a "
                "Gaussian (mu, logvar) head; a class condition joins the flattened features or the image",
                p,
                {chimera::Port::input("{input}", CHM_DTYPE_F32, "[N, ...]", "images [N, C, H, W] or single-channel maps [N, H, W]"),
                 condition_port()},
                {chimera::Port::output("y", CHM_DTYPE_F32, "[N, F]", "the output, F = out_features (head: single)").optional(),
                 chimera::Port::output("mu", CHM_DTYPE_F32, "[N, D]", "the Gaussian's mean, D = out_features (head: gaussian)").optional(),
                 chimera::Port::output("logvar", CHM_DTYPE_F32, "[N, D]", "the Gaussian's log-variance (head: gaussian)").optional(),
                 chimera::Port::output("features", CHM_DTYPE_F32, "[N, H]",
                                       "what the head reads: the last hidden layer's activations (H its width), or "
                                       "the flattened blocks' output when hidden is empty")
                     .optional()}};
    }

    ConvEncoder(chimera::Host host, const chimera::Config& c)
        : ConvNet(host, c),
          input_(c.get<std::string>("input")),
          blocks_(c, false),
          gaussian_(c.get<std::string>("head") == "gaussian"),
          out_features_(c.get<int64_t>("out_features")),
          output_activation_(c.get<std::string>("output_activation")),
          on_image_(c.get<std::string>("condition_at") == "image") {
        auto in_shape = c.get<std::vector<int64_t>>("in_shape");
        if (in_shape.empty()) return;
        if (in_shape.size() != 3)
            throw invalid(c.where("in_shape") + ": in_shape is [C, H, W], not " + list_text(in_shape));
        build({in_shape[0], in_shape[1], in_shape[2]});
    }

    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        Tensor x = in[input_];
        if (x.rank() == 3) x = ops::reshape(x, {x.dim(0), 1, x.dim(1), x.dim(2)});  // [N, H, W]: one channel
        if (x.rank() != 4)
            throw invalid("input '" + input_ + "' is " + list_text(x.shape()) +
                          "; the conv encoder reads images [N, C, H, W] or single-channel maps [N, H, W]");
        const int64_t n = x.dim(0);
        Shape3 image{x.dim(1), x.dim(2), x.dim(3)};
        if (plan_.empty()) build(image);
        if (image != plan_[0])
            throw invalid("input '" + input_ + "' is [N, " + shape_text(image).substr(1) +
                          "; this conv encoder was built for [N, " + shape_text(plan_[0]).substr(1));
        Tensor h = x;
        if (condition_.enabled() && on_image_) {  // [N, K] -> [N, K, 1, 1] * ones [1, 1, H, W]: K planes
            Tensor rows = ops::reshape(condition_.rows(in, n), {n, condition_.width, 1, 1});
            h = ops::concat({h, ops::mul(rows, planes_)}, 1);
        }
        for (std::size_t i = 0; i < blocks_.size(); ++i) {
            const Layer& l = layers_[i];
            h = ops::conv2d(h, l.weight, l.bias, int(blocks_.stride[i]), int(blocks_.padding[i]));
            h = activate(normalise(h, l), blocks_.activation[i]);
            if (blocks_.pool[i] == "max") h = ops::max_pool2d(h, 2);
            if (blocks_.pool[i] == "avg") h = ops::avg_pool2d(h, 2);
            h = drop(h, blocks_.dropout[i]);
        }
        h = ops::flatten(h);
        if (condition_.enabled() && !on_image_) h = ops::concat({h, condition_.rows(in, n)}, 1);
        h = hidden_forward(h);
        // Always written: it is a tensor the head computes from anyway, and a node whose out:
        // does not name it drops it, so old pipelines run unchanged.
        out.set("features", h);
        if (gaussian_) {
            out.set("mu", ops::linear(h, head_[0].weight, head_[0].bias));
            out.set("logvar", ops::linear(h, head_[1].weight, head_[1].bias));
            return;
        }
        out.set("y", ops::linear(h, head_[0].weight, head_[0].bias, output_activation_));
    }

private:
    // [C, H, W] before the blocks and after each; throws naming the first block that cannot apply.
    std::vector<Shape3> plan(const Shape3& image) const {
        std::vector<Shape3> p{image};
        for (std::size_t i = 0; i < blocks_.size(); ++i) {
            int64_t h = p.back()[1], w = p.back()[2];
            const int64_t k = blocks_.kernel[i], s = blocks_.stride[i], pad = blocks_.padding[i];
            std::string block = "block " + std::to_string(i + 1) + ": ";
            if (h + 2 * pad < k || w + 2 * pad < k)
                throw invalid(block + "a " + square(k, k) + " kernel with stride " + std::to_string(s) +
                              " and padding " + std::to_string(pad) + " cannot apply to " + square(h, w) + " (" +
                              plan_text(p, "input") + ")");
            h = (h + 2 * pad - k) / s + 1;
            w = (w + 2 * pad - k) / s + 1;
            if (blocks_.pool[i] != "none" && (h < 2 || w < 2))
                throw invalid(block + "a 2x2 " + blocks_.pool[i] + " pool cannot apply to the " + square(h, w) +
                              " output of its convolution (" + plan_text(p, "input") + ")");
            if (blocks_.pool[i] != "none") {
                h /= 2;
                w /= 2;
            }
            p.push_back({blocks_.channels[i], h, w});
        }
        return p;
    }

    void build(const Shape3& image) {
        std::vector<Shape3> p = plan(image);
        if (condition_.enabled() && on_image_)
            planes_ = Tensor::from(host(), {1, 1, image[1], image[2]},
                                   std::vector<float>(std::size_t(image[1] * image[2]), 1.0f));
        int64_t channels = image[0] + (on_image_ ? condition_.width : 0);
        for (std::size_t i = 0; i < blocks_.size(); ++i) {
            std::string name = "block" + std::to_string(i + 1);
            Layer l = conv(name, channels, blocks_.channels[i], blocks_.kernel[i], false);
            if (blocks_.norm[i] == "batch") add_batch_norm(l, name, blocks_.channels[i]);
            layers_.push_back(l);
            channels = blocks_.channels[i];
        }
        int64_t width = p.back()[0] * p.back()[1] * p.back()[2] + (on_image_ ? 0 : condition_.width);
        build_hidden(width);
        head_.push_back(dense(gaussian_ ? "mu" : "out", width, out_features_));
        if (gaussian_) head_.push_back(dense("logvar", width, out_features_));
        plan_ = p;
    }

    std::string input_;
    Blocks blocks_;
    bool gaussian_;
    int64_t out_features_;
    std::string output_activation_;
    bool on_image_;             // the condition joins as channels of the image, else the flat features
    std::vector<Shape3> plan_;  // empty until built
    std::vector<Layer> layers_, head_;
    Tensor planes_;  // ones [1, 1, H, W] that spread the condition over the image
};

// z [N, D] (with the condition's row appended) through dense layers to start_shape, then
// transposed-conv blocks to images "y" [N, C, H, W].
class DeconvGenerator : public ConvNet<chimera::Generator> {
public:
    static chimera::Description describe() {
        std::vector<Param> p{Param::string("input", "z", "name of the latent input [N, D] this node reads"),
                             Param::integer("in_features", 0, "width D of the input (0: from the first batch)").min(0)};
        append(p, hidden_params(true));
        append(
            p,
            {Param::int_list("start_shape", {64, 7, 7}, "[C, H, W] the dense layer after hidden is reshaped to").min(1),
             Param::string("start_norm", "none", "normalisation of start_shape's channels").choices({"none", "batch"}),
             Param::string("start_activation", "relu", "activation of start_shape, after its normalisation")
                 .choices(activation_names),
             Param::int_list("channels", {32, 1}, "output channels of each transposed-conv block (one block per value)")
                 .min(1)});
        append(p, block_params(true));
        p.push_back(
            Param::int_list("output_shape", {}, "[C, H, W] the blocks must give (checked when built; empty: any); [H, W]: one channel, output without it")
                .min(1));
        append(p, condition_params());
        return {"deconv", "1.0.0",
                "Transposed-convolution generator: dense layers to start_shape, then blocks of transposed conv, batch "
                "norm and activation, to images y; a class condition joins z as a one-hot or embedding row",
                p,
                {chimera::Port::input("{input}", CHM_DTYPE_F32, "[N, ...]", "the latent [N, D] (other ranks are flattened)"),
                 condition_port()},
                {chimera::Port::output("y", CHM_DTYPE_F32, "[N, ...]", "images [N, C, H, W], or [N, H, W] for a two-element output_shape")}};
    }

    DeconvGenerator(chimera::Host host, const chimera::Config& c)
        : ConvNet(host, c),
          input_(c.get<std::string>("input")),
          in_features_(c.get<int64_t>("in_features")),
          start_norm_(c.get<std::string>("start_norm") == "batch"),
          start_activation_(c.get<std::string>("start_activation")),
          blocks_(c, true) {
        auto start = c.get<std::vector<int64_t>>("start_shape");
        if (start.size() != 3)
            throw invalid(c.where("start_shape") + ": start_shape is [C, H, W], not " + list_text(start));
        plan_ = plan({start[0], start[1], start[2]});
        auto want = c.get<std::vector<int64_t>>("output_shape");
        const Shape3& got = plan_.back();
        // [H, W]: a single-channel map (a spectrogram), given without its channel.
        squeeze_ = want.size() == 2;
        if (squeeze_) want.insert(want.begin(), 1);
        if (!want.empty() && want != std::vector<int64_t>(got.begin(), got.end()))
            throw invalid(c.where("output_shape") + ": the blocks give " + shape_text(got) + " after block " +
                          std::to_string(blocks_.size()) + "; output_shape wants " + list_text(want) + " (" +
                          plan_text(plan_, "start_shape") + ")");
        if (in_features_ > 0) build(in_features_ + condition_.width);
    }

    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        Tensor h = in[input_];
        if (h.rank() != 2) h = ops::flatten(h);
        const int64_t n = h.dim(0), features = h.dim(1);
        if (condition_.enabled()) h = ops::concat({h, condition_.rows(in, n)}, 1);
        if (!built_) build(h.dim(1));
        if (h.dim(1) != width_in_)
            throw invalid("input '" + input_ + "' has " + std::to_string(features) +
                          " features per example; this deconv was built for " +
                          std::to_string(width_in_ - condition_.width));
        h = hidden_forward(h);
        const Shape3& s = plan_[0];
        h = ops::linear(h, start_.weight, start_.bias, start_norm_ ? "none" : start_activation_,
                        ops::activation_alpha(start_activation_, slope_));
        h = ops::reshape(h, {n, s[0], s[1], s[2]});
        if (start_norm_) h = activate(normalise(h, start_), start_activation_);
        for (std::size_t i = 0; i < blocks_.size(); ++i) {
            const Layer& l = layers_[i];
            h = ops::conv_transpose2d(h, l.weight, l.bias, int(blocks_.stride[i]), int(blocks_.padding[i]),
                                      int(blocks_.output_padding[i]));
            h = activate(normalise(h, l), blocks_.activation[i]);
            h = drop(h, blocks_.dropout[i]);
        }
        if (squeeze_) h = ops::reshape(h, {n, h.dim(2), h.dim(3)});
        out.set("y", h);
    }

private:
    // [C, H, W] of start_shape and after each block; throws naming the first block that cannot apply.
    std::vector<Shape3> plan(const Shape3& start) const {
        std::vector<Shape3> p{start};
        for (std::size_t i = 0; i < blocks_.size(); ++i) {
            const int64_t h = p.back()[1], w = p.back()[2];
            const int64_t k = blocks_.kernel[i], s = blocks_.stride[i], pad = blocks_.padding[i],
                          op = blocks_.output_padding[i];
            std::string block = "block " + std::to_string(i + 1) + ": ";
            if (op >= s)
                throw invalid(block + "output_padding " + std::to_string(op) + " must be smaller than its stride " +
                              std::to_string(s));
            const int64_t oh = (h - 1) * s - 2 * pad + k + op, ow = (w - 1) * s - 2 * pad + k + op;
            if (oh < 1 || ow < 1)
                throw invalid(block + "a " + square(k, k) + " transposed kernel with stride " + std::to_string(s) +
                              " and padding " + std::to_string(pad) + " would make " + square(h, w) + " into " +
                              square(oh, ow) + " (" + plan_text(p, "start_shape") + ")");
            p.push_back({blocks_.channels[i], oh, ow});
        }
        return p;
    }

    void build(int64_t width) {
        width_in_ = width;
        build_hidden(width);
        const Shape3& s = plan_[0];
        start_ = dense("start", width, s[0] * s[1] * s[2]);
        if (start_norm_) add_batch_norm(start_, "start", s[0]);
        int64_t channels = s[0];
        for (std::size_t i = 0; i < blocks_.size(); ++i) {
            std::string name = "block" + std::to_string(i + 1);
            Layer l = conv(name, channels, blocks_.channels[i], blocks_.kernel[i], true);
            if (blocks_.norm[i] == "batch") add_batch_norm(l, name, blocks_.channels[i]);
            layers_.push_back(l);
            channels = blocks_.channels[i];
        }
        built_ = true;
    }

    std::string input_;
    int64_t in_features_, width_in_ = 0;
    bool start_norm_;
    std::string start_activation_;
    Blocks blocks_;
    std::vector<Shape3> plan_;  // start_shape, then after each block
    bool built_ = false;
    bool squeeze_ = false;  // output_shape [H, W]: drop the single channel
    Layer start_;
    std::vector<Layer> layers_;
};

}  // namespace conv_plugin

CHIMERA_PLUGIN("conv", "1.1.0", "Convolutional encoders and transposed-convolution generators",
               conv_plugin::ConvEncoder, conv_plugin::DeconvGenerator)
