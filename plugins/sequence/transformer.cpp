// The `sequence` plugin: a Transformer text encoder and a Transformer text decoder (generator).
// The encoder reads tokens [N, T] (0 is padding, never attended to), averages the non-padding
// positions and ends in a dense output or a Gaussian head. The decoder reads a latent z and, while
// training, the target tokens (teacher forcing: position t sees the tokens before it and a start
// token 0); it outputs logits [N, T, V] and tokens [N, T]. While evaluating it also decodes freely
// from z, one position at a time, greedily or by sampling with temperature and top-k: those are
// its "tokens" then. Token 0 ends a caption (the loaders pad with it). The library's entry also
// lists the recurrent pair of gru.hpp, which reads and writes the same ports.
#include "gru.hpp"
#include "transformer_net.hpp"

#include <algorithm>

namespace sequence_plugin {

class TransformerEncoder : public TransformerNet<chimera::Encoder> {
public:
    static chimera::Description describe() {
        return text_encoder_description("transformer", "Transformer text encoder: mean of the non-padding positions", transformer_params(16));
    }
    TransformerEncoder(chimera::Host host, const chimera::Config& c)
        : TransformerNet(host, c), input_(c.get<std::string>("input")), gaussian_(c.get<std::string>("head") == "gaussian") {
        const int64_t out = c.get<int64_t>("out_features");
        if (gaussian_) {
            mu_ = dense("mu", dim_, out);
            logvar_ = dense("logvar", dim_, out);
        } else {
            y_ = dense("out", dim_, out);
        }
    }

    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        Tensor tokens = in[input_];
        check_tokens(tokens, input_, vocabulary_, length_);
        const int64_t n = tokens.dim(0), t = tokens.dim(1);
        // Padding keys get masked_score; the pooling weights count the real positions.
        Tensor mask = Tensor::zeros(host(), {n, 1, 1, t}), keep = Tensor::zeros(host(), {n, t, 1});
        Tensor count = Tensor::zeros(host(), {n, 1});
        const int32_t* ids = tokens.data_i32();
        for (int64_t i = 0; i < n; ++i) {
            for (int64_t j = 0; j < t; ++j) {
                const bool real = ids[i * t + j] != 0;
                mask.data()[i * t + j] = real ? 0.0f : masked_score;
                keep.data()[i * t + j] = real ? 1.0f : 0.0f;
                count.data()[i] += real ? 1.0f : 0.0f;
            }
            count.data()[i] = std::max(count.data()[i], 1.0f);
        }
        Tensor h = encode(embed(tokens), mask, false);
        Tensor pooled = ops::div(ops::sum(ops::mul(h, keep), {1}), count);
        if (gaussian_) {
            out.set("mu", apply(mu_, pooled));
            out.set("logvar", apply(logvar_, pooled));
        } else {
            out.set("y", apply(y_, pooled));
        }
    }

private:
    std::string input_;
    bool gaussian_;
    Dense mu_, logvar_, y_;
};

class TransformerDecoder : public TransformerNet<chimera::Generator> {
public:
    static chimera::Description describe() {
        auto p = transformer_params(16);
        p.push_back(Param::string("input", "z", "name of the latent input [N, Z]"));
        p.push_back(Param::string("targets", "tokens", "name of the int32 target tokens input [N, length], for teacher forcing"));
        p.push_back(Param::string("step_inputs", "step_inputs",
                                  "name of an int32 input [N, length] of the decoder's own inputs (0, then the tokens chosen so far): "
                                  "given, one decoding step for every position, no loop (what an exported model runs)"));
        p.push_back(Param::integer("latent", 0, "width of z (0: sized from the first input)").min(0));
        TokenChoice::add_params(p);
        using chimera::Port;
        return {"transformer", "1.1.0", "Transformer text decoder from a latent z: teacher-forced logits, free-running tokens", p,
                {Port::input("{input}", CHM_DTYPE_F32, "[N, Z]", "the latent"),
                 Port::input("{targets}", CHM_DTYPE_I32, "[N, T]", "int32 target tokens for teacher forcing (T = length)").optional(),
                 Port::input("{step_inputs}", CHM_DTYPE_I32, "[N, T]",
                             "int32 inputs of one decoding step: 0, then the tokens so far (zeros after them)").optional()},
                {Port::output("logits", CHM_DTYPE_F32, "[N, T, V]", "logits over the vocabulary at each position"),
                 Port::output("tokens", CHM_DTYPE_I32, "[N, T]", "the tokens: argmax of the logits, or decoded freely")}};
    }
    TransformerDecoder(chimera::Host host, const chimera::Config& c)
        : TransformerNet(host, c), input_(c.get<std::string>("input")), targets_(c.get<std::string>("targets")),
          step_inputs_(c.get<std::string>("step_inputs")), choice_(c) {
        head_ = dense("logits", dim_, vocabulary_);
        if (c.get<int64_t>("latent") > 0) latent_ = dense("latent", c.get<int64_t>("latent"), dim_);
    }

    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        Tensor z = in[input_];
        if (z.rank() != 2) throw chimera::Error("input '" + input_ + "' must be a latent [N, Z]", CHM_ERR_INVALID_ARGUMENT);
        if (!latent_.weight.defined()) latent_ = dense("latent", z.dim(1), dim_);
        if (z.dim(1) != latent_.weight.dim(1))
            throw chimera::Error("input '" + input_ + "' has " + std::to_string(z.dim(1)) + " features; this decoder was built for " +
                                     std::to_string(latent_.weight.dim(1)), CHM_ERR_INVALID_ARGUMENT);
        const int64_t n = z.dim(0);
        Tensor start = ops::reshape(apply(latent_, z), {n, 1, dim_});
        // One step of the caller's loop: the logits at every position from the inputs it gives
        // (causal: position p sees inputs 0..p), computed with host ops alone.
        if (in.has(step_inputs_)) {
            Tensor inputs = in[step_inputs_];
            check_tokens(inputs, step_inputs_, vocabulary_, length_);
            if (inputs.dim(0) != n || inputs.dim(1) > length_)
                throw chimera::Error("input '" + step_inputs_ + "' must be [" + std::to_string(n) + ", T] with T <= " +
                                         std::to_string(length_) + " (option length)", CHM_ERR_INVALID_ARGUMENT);
            Tensor logits = logits_of(inputs, start);
            out.set("logits", logits);
            out.set("tokens", argmax_tokens(host(), logits));
            return;
        }
        Tensor logits;
        if (in.has(targets_)) {
            Tensor targets = in[targets_];
            check_tokens(targets, targets_, vocabulary_, length_);
            if (targets.dim(1) != length_ || targets.dim(0) != n)
                throw chimera::Error("input '" + targets_ + "' must be [" + std::to_string(n) + ", " + std::to_string(length_) +
                                         "] (option length)", CHM_ERR_INVALID_ARGUMENT);
            logits = logits_of(shifted(host(), targets), start);
        }
        if (training() && logits.defined()) {
            out.set("logits", logits);
            out.set("tokens", argmax_tokens(host(), logits));
            return;
        }
        Tensor decoded_logits;
        Tensor tokens = decode(start, decoded_logits);
        if (!logits.defined()) logits = decoded_logits;
        out.set("logits", logits);
        out.set("tokens", tokens);
    }

private:
    Tensor logits_of(const Tensor& inputs, const Tensor& start) const {
        return apply(head_, encode(ops::add(embed(inputs), start), Tensor(), true));
    }
    // One position at a time: position t's choice becomes position t + 1's input. After a 0 (the
    // end) every later token is 0. Step p runs only positions 0..p: attention is causal, so the
    // later ones cannot change position p's logits (half the work of running every position each
    // step). The last step's inputs are the tokens shifted, so its logits, left in `logits_out`,
    // are the teacher-forced logits of the tokens.
    Tensor decode(const Tensor& start, Tensor& logits_out) const {
        const int64_t n = start.dim(0), t = length_;
        Tensor inputs = Tensor::zeros(host(), {n, t}, CHM_DTYPE_I32), tokens = Tensor::zeros(host(), {n, t}, CHM_DTYPE_I32);
        std::vector<bool> ended(static_cast<std::size_t>(n), false);
        for (int64_t p = 0; p < t; ++p) {
            const int64_t seen = p + 1;  // positions this step runs
            Tensor logits = logits_of(seen == t ? inputs : leading(inputs, seen), start);
            if (seen == t) logits_out = logits;
            std::vector<float> draws;
            if (choice_.sample) {
                Tensor u = ops::random_uniform(host(), {n});
                draws.assign(u.data(), u.data() + n);
            }
            for (int64_t i = 0; i < n; ++i) {
                if (ended[static_cast<std::size_t>(i)]) continue;
                const float* row = logits.data() + (i * seen + p) * vocabulary_;
                const int32_t token = choice_(row, vocabulary_, choice_.sample ? draws[static_cast<std::size_t>(i)] : 0.0f);
                tokens.data_i32()[i * t + p] = token;
                if (p + 1 < t) inputs.data_i32()[i * t + p + 1] = token;
                if (token == 0) ended[static_cast<std::size_t>(i)] = true;
            }
        }
        return tokens;
    }
    // The first k positions of int32 tokens [N, T], as [N, k].
    Tensor leading(const Tensor& tokens, int64_t k) const {
        const int64_t n = tokens.dim(0), t = tokens.dim(1);
        Tensor out = Tensor::zeros(host(), {n, k}, CHM_DTYPE_I32);
        for (int64_t i = 0; i < n; ++i) std::copy(tokens.data_i32() + i * t, tokens.data_i32() + i * t + k, out.data_i32() + i * k);
        return out;
    }
    std::string input_, targets_, step_inputs_;
    TokenChoice choice_;
    Dense head_, latent_;
};

}  // namespace sequence_plugin

CHIMERA_PLUGIN("sequence", "1.1.0", "Transformer and GRU text encoders and decoders",
               sequence_plugin::TransformerEncoder, sequence_plugin::TransformerDecoder,
               sequence_plugin::GruEncoder, sequence_plugin::GruDecoder)
