// Damerau-free Levenshtein distance is enough for typos in short identifiers.
#include "core/suggest.hpp"

#include <algorithm>

namespace chimera {

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t above = row[j];
            std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
            diagonal = above;
        }
    }
    return row[b.size()];
}

}  // namespace

std::string nearest_name(const std::string& typed, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_distance = 0;
    for (const auto& c : candidates) {
        std::size_t d = edit_distance(typed, c);
        if (best.empty() || d < best_distance) {
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
