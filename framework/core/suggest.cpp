// Edit distance with adjacent transpositions (optimal string alignment): "trian" is one edit
// from "train". Enough for typos in short identifiers.
#include "core/suggest.hpp"

#include <algorithm>

namespace chimera {

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
    // d[i][j]: distance between the first i characters of a and the first j of b.
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

}  // namespace

std::string nearest_name(const std::string& typed, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_distance = 0;
    for (const auto& c : candidates) {
        std::size_t d = edit_distance(typed, c);
        // On a tie, a candidate with the same letters wins: "nodse" is "nodes" with two letters
        // swapped, not "noise" with one changed.
        bool same_letters = std::is_permutation(typed.begin(), typed.end(), c.begin(), c.end());
        if (best.empty() || d < best_distance || (d == best_distance && same_letters)) {
            best = c;
            best_distance = d;
        }
    }
    // A third of the longer name, at least one edit: "trian" -> "train", not "x" -> "train".
    std::size_t limit = std::max<std::size_t>(1, std::max(typed.size(), best.size()) / 3);
    return !best.empty() && best_distance <= limit ? best : std::string();
}

std::string did_you_mean(const std::string& typed, const std::vector<std::string>& candidates) {
    std::string best = nearest_name(typed, candidates);
    return best.empty() ? std::string() : " Did you mean '" + best + "'?";
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
    return out;
}

}  // namespace chimera
