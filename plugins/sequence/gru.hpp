// The sequence plugin's recurrent text models, drop-in for the Transformer's (same ports, same
// head and decoding options). The encoder runs a GRU over tokens [N, T], its state holding still
// on padding (token 0), and reads the top layer's last state into a dense or Gaussian head. The
// decoder starts every layer's state from tanh(W z + b), adds a projection of z to every input
// embedding, and reads logits off the top layer: teacher-forced while training, one step at a
// time (carrying the state, no recomputation) when decoding freely. Not attention, not beam search.
#pragma once

#include "gru_net.hpp"

namespace sequence_plugin {

class GruEncoder : public GruNet<chimera::Encoder> {
public:
    static chimera::Description describe() {
        return text_encoder_description("gru", "GRU text encoder: the last state after the real tokens", gru_params(16));
    }
    GruEncoder(chimera::Host host, const chimera::Config& c)
        : GruNet(host, c), input_(c.get<std::string>("input")), gaussian_(c.get<std::string>("head") == "gaussian") {
        const int64_t out = c.get<int64_t>("out_features");
        if (gaussian_) {
            mu_ = dense("mu", hidden_, out);
            logvar_ = dense("logvar", hidden_, out);
        } else {
            y_ = dense("out", hidden_, out);
        }
    }

    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        Tensor tokens = in[input_];
        check_tokens(tokens, input_, vocabulary_, length_);
        const int64_t n = tokens.dim(0), t = tokens.dim(1);
        // 1 at real tokens, 0 at padding: the state skips padding wherever it is.
        Tensor keep = Tensor::zeros(host(), {n, t, 1});
        for (int64_t i = 0; i < n * t; ++i) keep.data()[i] = tokens.data_i32()[i] != 0 ? 1.0f : 0.0f;
        std::vector<Tensor> states(static_cast<std::size_t>(layer_count()), Tensor::zeros(host(), {n, hidden_}));
        run(embed(tokens), states, keep);
        const Tensor& last = states.back();
        if (gaussian_) {
            out.set("mu", apply(mu_, last));
            out.set("logvar", apply(logvar_, last));
        } else {
            out.set("y", apply(y_, last));
        }
    }

private:
    std::string input_;
    bool gaussian_;
    Dense mu_, logvar_, y_;
};

class GruDecoder : public GruNet<chimera::Generator> {
public:
    static chimera::Description describe() {
        using chimera::Param;
        auto p = gru_params(16);
        p.push_back(Param::string("input", "z", "name of the latent input [N, Z]"));
        p.push_back(Param::string("targets", "tokens", "name of the int32 target tokens input [N, length], for teacher forcing"));
        p.push_back(Param::string("step_inputs", "step_inputs",
                                  "name of an int32 input [N, T] of the decoder's own inputs (0, then the tokens chosen so far): "
                                  "given, the logits at every position from those inputs, no decoding loop"));
        p.push_back(Param::integer("latent", 0, "width of z (0: sized from the first input)").min(0));
        TokenChoice::add_params(p);
        using chimera::Port;
        return {"gru", "1.0.0", "GRU text decoder from a latent z: teacher-forced logits, free-running tokens", p,
                {Port::input("{input}", CHM_DTYPE_F32, "[N, Z]", "the latent"),
                 Port::input("{targets}", CHM_DTYPE_I32, "[N, T]", "int32 target tokens for teacher forcing (T = length)").optional(),
                 Port::input("{step_inputs}", CHM_DTYPE_I32, "[N, T]",
                             "int32 inputs of one decoding step: 0, then the tokens so far (zeros after them)").optional()},
                {Port::output("logits", CHM_DTYPE_F32, "[N, T, V]", "logits over the vocabulary at each position"),
                 Port::output("tokens", CHM_DTYPE_I32, "[N, T]", "the tokens: argmax of the logits, or decoded freely")}};
    }
    GruDecoder(chimera::Host host, const chimera::Config& c)
        : GruNet(host, c), input_(c.get<std::string>("input")), targets_(c.get<std::string>("targets")),
          step_inputs_(c.get<std::string>("step_inputs")), choice_(c) {
        head_ = dense("logits", hidden_, vocabulary_);
        if (c.get<int64_t>("latent") > 0) make_latent(c.get<int64_t>("latent"));
    }

    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        Tensor z = in[input_];
        if (z.rank() != 2) throw chimera::Error("input '" + input_ + "' must be a latent [N, Z]", CHM_ERR_INVALID_ARGUMENT);
        if (!latent_.weight.defined()) make_latent(z.dim(1));
        if (z.dim(1) != latent_.weight.dim(1))
            throw chimera::Error("input '" + input_ + "' has " + std::to_string(z.dim(1)) + " features; this decoder was built for " +
                                     std::to_string(latent_.weight.dim(1)), CHM_ERR_INVALID_ARGUMENT);
        const int64_t n = z.dim(0);
        const Tensor start = apply(latent_, z);
        if (in.has(step_inputs_)) {
            Tensor inputs = in[step_inputs_];
            check_tokens(inputs, step_inputs_, vocabulary_, length_);
            if (inputs.dim(0) != n)
                throw chimera::Error("input '" + step_inputs_ + "' must be [" + std::to_string(n) + ", T] with T <= " +
                                         std::to_string(length_) + " (option length)", CHM_ERR_INVALID_ARGUMENT);
            Tensor logits = logits_of(inputs, start, initial_states(z));
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
            logits = logits_of(shifted(host(), targets), start, initial_states(z));
        }
        if (training() && logits.defined()) {
            out.set("logits", logits);
            out.set("tokens", argmax_tokens(host(), logits));
            return;
        }
        Tensor free_logits;
        Tensor tokens = decode(start, initial_states(z), free_logits);
        out.set("logits", logits.defined() ? logits : free_logits);
        out.set("tokens", tokens);
    }

private:
    void make_latent(int64_t width) {
        latent_ = dense("latent", width, dim_);
        initial_ = dense("initial", width, layer_count() * hidden_);
    }
    // Every layer's first state from z: tanh(W z + b), split by layer.
    std::vector<Tensor> initial_states(const Tensor& z) const {
        Tensor all = chimera::ops::tanh(apply(initial_, z));
        std::vector<Tensor> states;
        for (int64_t l = 0; l < layer_count(); ++l) states.push_back(chimera::ops::slice(all, 1, l * hidden_, (l + 1) * hidden_));
        return states;
    }
    // Logits [N, T, V] at every position of `inputs` [N, T], z's projection `start` [N, dim] added
    // to each input embedding.
    Tensor logits_of(const Tensor& inputs, const Tensor& start, std::vector<Tensor> states) const {
        const int64_t n = inputs.dim(0);
        Tensor x = chimera::ops::add(embed(inputs), chimera::ops::reshape(start, {n, 1, dim_}));
        return apply(head_, run(x, states, Tensor()));
    }
    // One position at a time, the state carried: position p's choice is position p + 1's input.
    // After a 0 (the end) every later token is 0 and the input stays 0, as shifted() would give.
    // `logits` receives every step's logits [N, length, V].
    Tensor decode(const Tensor& start, std::vector<Tensor> states, Tensor& logits) const {
        const int64_t n = start.dim(0), t = length_;
        Tensor tokens = Tensor::zeros(host(), {n, t}, CHM_DTYPE_I32);
        std::vector<bool> ended(static_cast<std::size_t>(n), false);
        std::vector<Tensor> steps;
        for (int64_t p = 0; p < t; ++p) {
            // A new tensor each step: the embedding keeps its indices for backward.
            Tensor input = Tensor::zeros(host(), {n}, CHM_DTYPE_I32);
            if (p > 0)
                for (int64_t i = 0; i < n; ++i) input.data_i32()[i] = tokens.data_i32()[i * t + p - 1];
            Tensor step = apply(head_, advance(chimera::ops::add(embed(input), start), states));
            std::vector<float> draws(static_cast<std::size_t>(n), 0.0f);
            if (choice_.sample) {
                Tensor u = chimera::ops::random_uniform(host(), {n});
                draws.assign(u.data(), u.data() + n);
            }
            for (int64_t i = 0; i < n; ++i) {
                if (ended[static_cast<std::size_t>(i)]) continue;
                const int32_t token = choice_(step.data() + i * vocabulary_, vocabulary_, draws[static_cast<std::size_t>(i)]);
                tokens.data_i32()[i * t + p] = token;
                if (token == 0) ended[static_cast<std::size_t>(i)] = true;
            }
            steps.push_back(chimera::ops::reshape(step, {n, 1, vocabulary_}));
        }
        logits = chimera::ops::concat(steps, 1);
        return tokens;
    }

    std::string input_, targets_, step_inputs_;
    TokenChoice choice_;
    Dense head_, latent_, initial_;
};

}  // namespace sequence_plugin
