// What the sequence plugin's text models share about tokens, whatever their trunk (Transformer or
// GRU): the check of an int32 token input, the teacher-forcing shift, the argmax over logits and
// the choice of one token in free decoding (greedy, or a draw with temperature and top-k).
// Token 0 is padding and the end of a caption, and the start token of a decoder. No tensors ops.
#pragma once

#include <chimera/chimera.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

namespace sequence_plugin {

// A text encoder's description beyond its trunk's options: which input holds the tokens, and a
// dense or Gaussian head of out_features; `trunk` says how the sequence becomes one vector.
inline chimera::Description text_encoder_description(const char* name, const std::string& trunk, std::vector<chimera::Param> p) {
    using chimera::Param;
    using chimera::Port;
    p.push_back(Param::string("input", "tokens", "name of the int32 tokens input [N, T]"));
    p.push_back(Param::string("head", "none", "none: output y [N, out_features]; gaussian: mu and logvar").choices({"none", "gaussian"}));
    p.push_back(Param::integer("out_features", 16, "width of y, or of mu and logvar").range(1, 65536));
    return {name, "1.0.0", trunk + ", then a dense or Gaussian head", p,
            {Port::input("{input}", CHM_DTYPE_I32, "[N, T]", "int32 tokens, 0 for padding")},
            {Port::output("y", CHM_DTYPE_F32, "[N, F]", "the dense output, F = out_features (head: none)").optional(),
             Port::output("mu", CHM_DTYPE_F32, "[N, D]", "the Gaussian's mean, D = out_features (head: gaussian)").optional(),
             Port::output("logvar", CHM_DTYPE_F32, "[N, D]", "the Gaussian's log-variance (head: gaussian)").optional()}};
}

// Checks int32 tokens [N, T] with T <= length and ids below the vocabulary; `port` names the input.
inline void check_tokens(const chimera::Tensor& tokens, const std::string& port, int64_t vocabulary, int64_t length) {
    if (tokens.dtype() != CHM_DTYPE_I32 || tokens.rank() != 2)
        throw chimera::Error("input '" + port + "' must be int32 tokens [N, T]", CHM_ERR_INVALID_ARGUMENT);
    if (tokens.dim(1) > length)
        throw chimera::Error("input '" + port + "' has " + std::to_string(tokens.dim(1)) + " positions; this model embeds " +
                                 std::to_string(length) + " (option length)",
                             CHM_ERR_INVALID_ARGUMENT);
    const int32_t* t = tokens.data_i32();
    for (int64_t i = 0; i < tokens.numel(); ++i)
        if (t[i] < 0 || t[i] >= vocabulary)
            throw chimera::Error("input '" + port + "' holds token " + std::to_string(t[i]) + " outside the vocabulary of " +
                                     std::to_string(vocabulary) + " (raise option vocabulary, or lower the loader's vocabulary_size)",
                                 CHM_ERR_INVALID_ARGUMENT);
}

// A decoder's inputs for targets [N, T]: the start token 0, then the first T - 1 targets.
inline chimera::Tensor shifted(chimera::Host host, const chimera::Tensor& targets) {
    const int64_t n = targets.dim(0), t = targets.dim(1);
    chimera::Tensor in = chimera::Tensor::zeros(host, {n, t}, CHM_DTYPE_I32);
    for (int64_t i = 0; i < n; ++i)
        std::copy(targets.data_i32() + i * t, targets.data_i32() + i * t + t - 1, in.data_i32() + i * t + 1);
    return in;
}

// int32 [N, T]: the likeliest token at each position of logits [N, T, V].
inline chimera::Tensor argmax_tokens(chimera::Host host, const chimera::Tensor& logits) {
    const int64_t vocabulary = logits.dim(2), rows = logits.numel() / vocabulary;
    chimera::Tensor t = chimera::Tensor::zeros(host, {logits.dim(0), logits.dim(1)}, CHM_DTYPE_I32);
    for (int64_t r = 0; r < rows; ++r) {
        const float* row = logits.data() + r * vocabulary;
        t.data_i32()[r] = static_cast<int32_t>(std::max_element(row, row + vocabulary) - row);
    }
    return t;
}

// The decoders' free-decoding options and the choice they make at one position.
struct TokenChoice {
    bool sample;
    double temperature;
    int64_t top_k;

    static void add_params(std::vector<chimera::Param>& p) {
        using chimera::Param;
        p.push_back(Param::string("sampling", "greedy", "free decoding: the likeliest token, or a draw").choices({"greedy", "sample"}));
        p.push_back(Param::real("temperature", 1.0, "divides the logits before a draw").range(1e-3, 100));
        p.push_back(Param::integer("top_k", 0, "draw among the k likeliest tokens only (0: all)").min(0));
    }
    explicit TokenChoice(const chimera::Config& c)
        : sample(c.get<std::string>("sampling") == "sample"), temperature(c.get<double>("temperature")), top_k(c.get<int64_t>("top_k")) {}

    // The token for logits `row` [V]: the argmax, or drawn by the uniform u.
    int32_t operator()(const float* row, int64_t vocabulary, float u) const {
        if (!sample) return static_cast<int32_t>(std::max_element(row, row + vocabulary) - row);
        return draw(row, vocabulary, u);
    }

private:
    // A token drawn from softmax(row / temperature) over the top_k likeliest, by the uniform u.
    int32_t draw(const float* row, int64_t vocabulary, float u) const {
        std::vector<int32_t> order(static_cast<std::size_t>(vocabulary));
        std::iota(order.begin(), order.end(), 0);
        const auto k = static_cast<std::size_t>(top_k > 0 ? std::min(top_k, vocabulary) : vocabulary);
        std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                          [&](int32_t a, int32_t b) { return row[a] > row[b]; });
        std::vector<double> p(k);
        double total = 0;
        for (std::size_t j = 0; j < k; ++j) total += p[j] = std::exp((row[order[j]] - row[order[0]]) / temperature);
        double target = u * total;
        for (std::size_t j = 0; j < k; ++j)
            if ((target -= p[j]) < 0) return order[j];
        return order[k - 1];
    }
};

}  // namespace sequence_plugin
