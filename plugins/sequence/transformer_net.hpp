// The Transformer both sequence components share: token and position embeddings, pre-norm blocks
// of multi-head self-attention and a GELU feed-forward layer, each added back to its input, and a
// final layer norm. Built from the host's ops (embedding, linear, attention, layer_norm), so
// gradients come from the tape. The encoder masks padding keys, the decoder attends causally.
// Not cross-attention, not relative positions.
#pragma once

#include "tokens.hpp"

#include <chimera/chimera.hpp>

#include <cmath>

namespace sequence_plugin {

using chimera::Param;
using chimera::Tensor;
namespace ops = chimera::ops;

// What an attention score gets added where it must be ignored: exp of it underflows to 0.
constexpr float masked_score = -1e9f;

inline std::vector<Param> transformer_params(int64_t length) {
    return {Param::integer("vocabulary", 128, "token ids the embedding holds (the loader's ids must stay below)").range(2, 1 << 20),
            Param::integer("length", length, "the longest sequence (positions embedded)").range(1, 4096),
            Param::integer("dim", 64, "model width").range(1, 4096),
            Param::integer("heads", 4, "attention heads (dim must divide by them)").range(1, 64),
            Param::integer("layers", 2, "Transformer blocks").range(1, 64),
            Param::integer("feed_forward", 128, "hidden width of each block's feed-forward layer").range(1, 65536),
            Param::real("dropout", 0.0, "after attention weights and each block's sublayers, while training").range(0, 0.9)};
}

template <class Base>
class TransformerNet : public Base {
protected:
    struct Dense {
        Tensor weight, bias;
    };
    struct Norm {
        Tensor gamma, beta;
    };
    struct Block {
        Norm norm1, norm2;
        Dense q, k, v, out, ff1, ff2;
    };

    TransformerNet(chimera::Host host, const chimera::Config& c)
        : Base(host), vocabulary_(c.get<int64_t>("vocabulary")), length_(c.get<int64_t>("length")),
          dim_(c.get<int64_t>("dim")), heads_(c.get<int64_t>("heads")), dropout_(c.get<double>("dropout")) {
        if (dim_ % heads_ != 0)
            throw chimera::Error(c.where("heads") + ": dim " + std::to_string(dim_) + " does not divide into " +
                                     std::to_string(heads_) + " heads", CHM_ERR_INVALID_ARGUMENT);
        tokens_ = this->parameter("token_embedding", {vocabulary_, dim_}, CHM_INIT_NORMAL, 0.0, 0.02);
        positions_ = this->parameter("position_embedding", {length_, dim_}, CHM_INIT_NORMAL, 0.0, 0.02);
        const int64_t ff = c.get<int64_t>("feed_forward");
        for (int64_t i = 0, n = c.get<int64_t>("layers"); i < n; ++i) {
            const std::string b = "block" + std::to_string(i + 1) + ".";
            Block block;
            block.norm1 = norm(b + "norm1");
            block.q = dense(b + "attention.query", dim_, dim_);
            block.k = dense(b + "attention.key", dim_, dim_);
            block.v = dense(b + "attention.value", dim_, dim_);
            block.out = dense(b + "attention.out", dim_, dim_);
            block.norm2 = norm(b + "norm2");
            block.ff1 = dense(b + "feed_forward.1", dim_, ff);
            block.ff2 = dense(b + "feed_forward.2", ff, dim_);
            blocks_.push_back(block);
        }
        final_ = norm("final_norm");
    }

    // PyTorch's nn.Linear initialisation.
    Dense dense(const std::string& name, int64_t in, int64_t out) {
        const double bound = 1.0 / std::sqrt(static_cast<double>(in));
        return {this->parameter(name + ".weight", {out, in}, CHM_INIT_KAIMING_UNIFORM, std::sqrt(5.0)),
                this->parameter(name + ".bias", {out}, CHM_INIT_UNIFORM, -bound, bound)};
    }
    Norm norm(const std::string& name) {
        return {this->parameter(name + ".weight", {dim_}, CHM_INIT_CONSTANT, 1.0),
                this->parameter(name + ".bias", {dim_}, CHM_INIT_ZEROS)};
    }

    // [N, T, D]: token embeddings plus the first T position embeddings.
    Tensor embed(const Tensor& tokens) const {
        Tensor x = ops::embedding(tokens, tokens_);
        return ops::add(x, ops::slice(positions_, 0, 0, tokens.dim(1)));
    }

    // x [N, T, D] through every block and the final norm; `mask` (may be empty) is added to every
    // head's scores ([N, 1, 1, T]: padding keys); `causal` hides the positions after each one.
    Tensor encode(Tensor x, const Tensor& mask, bool causal) const {
        for (const Block& b : blocks_) {
            x = ops::add(x, drop(attention(b, layer_norm(x, b.norm1), mask, causal)));
            Tensor h = apply(b.ff1, layer_norm(x, b.norm2));
            x = ops::add(x, drop(apply(b.ff2, ops::gelu(h))));
        }
        return layer_norm(x, final_);
    }

    // A dense layer on the last dimension of x [..., in].
    static Tensor apply(const Dense& d, const Tensor& x) {
        if (x.rank() == 2) return ops::linear(x, d.weight, d.bias);
        std::vector<int64_t> shape = x.shape();
        const int64_t in = shape.back();
        Tensor y = ops::linear(ops::reshape(x, {x.numel() / in, in}), d.weight, d.bias);
        shape.back() = d.weight.dim(0);
        return ops::reshape(y, shape);
    }

    int64_t vocabulary_, length_, dim_, heads_;
    double dropout_;

private:
    static Tensor layer_norm(const Tensor& x, const Norm& n) { return ops::layer_norm(x, n.gamma, n.beta); }
    Tensor drop(const Tensor& x) const { return dropout_ > 0 ? ops::dropout(x, dropout_, this->training()) : x; }

    // softmax(q k^T / sqrt(d) + mask) v per head, heads joined and projected: the host's fused
    // attention op, or (with dropout on the attention weights while training) the same from
    // matmul and softmax.
    Tensor attention(const Block& b, const Tensor& x, const Tensor& mask, bool causal) const {
        const int64_t n = x.dim(0), t = x.dim(1), d = dim_ / heads_;
        auto split = [&](const Dense& proj, std::vector<int> order) {
            return ops::permute(ops::reshape(apply(proj, x), {n, t, heads_, d}), order);
        };
        Tensor q = split(b.q, {0, 2, 1, 3}), v = split(b.v, {0, 2, 1, 3}), heads;
        if (dropout_ == 0 || !this->training()) {
            heads = ops::attention(q, split(b.k, {0, 2, 1, 3}), v, mask, 0, causal);
        } else {
            Tensor scores = ops::mul_scalar(ops::matmul(q, split(b.k, {0, 2, 3, 1})), 1.0 / std::sqrt(static_cast<double>(d)));
            if (mask.defined()) scores = ops::add(scores, mask);
            if (causal) scores = ops::add(scores, causal_mask(t));
            heads = ops::matmul(drop(ops::softmax(scores, -1)), v);
        }
        return apply(b.out, ops::reshape(ops::permute(heads, {0, 2, 1, 3}), {n, t, dim_}));
    }
    // [T, T]: masked_score above the diagonal; made once per length and kept.
    const Tensor& causal_mask(int64_t t) const {
        if (!causal_.defined() || causal_.dim(0) != t) {
            causal_ = Tensor::zeros(this->host(), {t, t});
            for (int64_t i = 0; i < t; ++i)
                for (int64_t j = i + 1; j < t; ++j) causal_.data()[i * t + j] = masked_score;
        }
        return causal_;
    }

    Tensor tokens_, positions_;
    std::vector<Block> blocks_;
    Norm final_;
    mutable Tensor causal_;  // the composed path's causal mask
};

}  // namespace sequence_plugin
