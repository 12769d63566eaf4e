// The recurrent trunk both GRU components share: a token embedding and a stack of GRU layers with
// PyTorch's nn.GRU equations, gate order, parameter names (gru.weight_ih_l0 ...) and
// initialisation, so a state_dict carries over. Built from the host's ops (linear, sigmoid, tanh,
// mul ...) one time step at a time, so the tape does backpropagation through time. Not
// bidirectional, no dropout between layers, no fused RNN primitive.
#pragma once

#include "tokens.hpp"

#include <chimera/chimera.hpp>

#include <cmath>

namespace sequence_plugin {

inline std::vector<chimera::Param> gru_params(int64_t length) {
    using chimera::Param;
    return {Param::integer("vocabulary", 128, "token ids the embedding holds (the loader's ids must stay below)").range(2, 1 << 20),
            Param::integer("length", length, "the longest sequence (the decoder's free-decoding length)").range(1, 4096),
            Param::integer("dim", 64, "token embedding width").range(1, 4096),
            Param::integer("hidden", 64, "GRU state width").range(1, 4096),
            Param::integer("layers", 1, "stacked GRU layers, each reading the one below's states").range(1, 16)};
}

template <class Base>
class GruNet : public Base {
protected:
    using Tensor = chimera::Tensor;
    struct Dense {
        Tensor weight, bias;
    };
    // One layer's weights, PyTorch's layout: rows [0, H) the reset gate r, [H, 2H) the update gate
    // z, [2H, 3H) the candidate n.
    struct Layer {
        Dense input, state;  // weight_ih [3H, in], bias_ih; weight_hh [3H, H], bias_hh
    };

    GruNet(chimera::Host host, const chimera::Config& c)
        : Base(host), vocabulary_(c.get<int64_t>("vocabulary")), length_(c.get<int64_t>("length")), dim_(c.get<int64_t>("dim")),
          hidden_(c.get<int64_t>("hidden")) {
        // nn.Embedding's N(0, 1); nn.GRU's U(-1/sqrt(H), 1/sqrt(H)) for every weight and bias.
        tokens_ = this->parameter("token_embedding", {vocabulary_, dim_}, CHM_INIT_NORMAL, 0.0, 1.0);
        const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_));
        for (int64_t l = 0, n = c.get<int64_t>("layers"); l < n; ++l) {
            const std::string s = "_l" + std::to_string(l);
            auto uniform = [&](const std::string& name, std::vector<int64_t> shape) {
                return this->parameter("gru." + name + s, shape, CHM_INIT_UNIFORM, -bound, bound);
            };
            Layer layer;
            layer.input = {uniform("weight_ih", {3 * hidden_, l == 0 ? dim_ : hidden_}), uniform("bias_ih", {3 * hidden_})};
            layer.state = {uniform("weight_hh", {3 * hidden_, hidden_}), uniform("bias_hh", {3 * hidden_})};
            layers_.push_back(layer);
        }
    }

    // PyTorch's nn.Linear initialisation.
    Dense dense(const std::string& name, int64_t in, int64_t out) {
        const double bound = 1.0 / std::sqrt(static_cast<double>(in));
        return {this->parameter(name + ".weight", {out, in}, CHM_INIT_KAIMING_UNIFORM, std::sqrt(5.0)),
                this->parameter(name + ".bias", {out}, CHM_INIT_UNIFORM, -bound, bound)};
    }

    Tensor embed(const Tensor& tokens) const { return chimera::ops::embedding(tokens, tokens_); }

    // x [N, T, dim] through every layer from `states` (one [N, H] per layer, replaced by each
    // layer's last state). Where `keep` [N, T, 1] (may be empty) is 0 a layer's state does not
    // move: padding. Returns the top layer's states at every step [N, T, H].
    Tensor run(Tensor x, std::vector<Tensor>& states, const Tensor& keep) const {
        namespace ops = chimera::ops;
        const int64_t n = x.dim(0), t = x.dim(1), gates = 3 * hidden_;
        for (std::size_t l = 0; l < layers_.size(); ++l) {
            // The input's share of every step at once: one product instead of T.
            Tensor inputs = apply(layers_[l].input, x);
            std::vector<Tensor> outputs;
            Tensor h = states[l];
            for (int64_t p = 0; p < t; ++p) {
                Tensor next = step(layers_[l], ops::reshape(ops::slice(inputs, 1, p, p + 1), {n, gates}), h);
                h = keep.defined() ? ops::where(ops::reshape(ops::slice(keep, 1, p, p + 1), {n, 1}), next, h) : next;
                outputs.push_back(ops::reshape(h, {n, 1, hidden_}));
            }
            states[l] = h;
            x = ops::concat(outputs, 1);
        }
        return x;
    }

    // One time step of every layer for x [N, dim] (free decoding), advancing `states`; returns
    // the top layer's new state.
    Tensor advance(Tensor x, std::vector<Tensor>& states) const {
        for (std::size_t l = 0; l < layers_.size(); ++l) x = states[l] = step(layers_[l], apply(layers_[l].input, x), states[l]);
        return x;
    }

    // nn.GRU's cell for the input's gate pre-activations gi = W_i x + b_i [N, 3H] and state h [N, H]:
    //   r = sigmoid(gi_r + W_hr h + b_hr),  z = sigmoid(gi_z + W_hz h + b_hz)
    //   n = tanh(gi_n + r * (W_hn h + b_hn)),  h' = (1 - z) n + z h = n + z (h - n)
    Tensor step(const Layer& layer, const Tensor& gi, const Tensor& h) const {
        namespace ops = chimera::ops;
        const int64_t hd = hidden_;
        Tensor gh = apply(layer.state, h);
        Tensor rz = ops::sigmoid(ops::add(ops::slice(gi, 1, 0, 2 * hd), ops::slice(gh, 1, 0, 2 * hd)));
        Tensor r = ops::slice(rz, 1, 0, hd), z = ops::slice(rz, 1, hd, 2 * hd);
        Tensor candidate = ops::tanh(ops::add(ops::slice(gi, 1, 2 * hd, 3 * hd), ops::mul(r, ops::slice(gh, 1, 2 * hd, 3 * hd))));
        return ops::add(candidate, ops::mul(z, ops::sub(h, candidate)));
    }

    // A dense layer on the last dimension of x [..., in].
    static Tensor apply(const Dense& d, const Tensor& x) {
        namespace ops = chimera::ops;
        if (x.rank() == 2) return ops::linear(x, d.weight, d.bias);
        std::vector<int64_t> shape = x.shape();
        const int64_t in = shape.back();
        Tensor y = ops::linear(ops::reshape(x, {x.numel() / in, in}), d.weight, d.bias);
        shape.back() = d.weight.dim(0);
        return ops::reshape(y, shape);
    }

    int64_t layer_count() const { return static_cast<int64_t>(layers_.size()); }

    int64_t vocabulary_, length_, dim_, hidden_;

private:
    Tensor tokens_;
    std::vector<Layer> layers_;
};

}  // namespace sequence_plugin
