// The tokenizer and vocabulary file. The file: a header line "chimera-vocabulary 1 word|char",
// then one token per line in id order from id 2.
#include "vocabulary.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <stdexcept>

namespace chimera_mm {

namespace {
const char* const magic = "chimera-vocabulary 1 ";
}

std::vector<std::string> Vocabulary::split(const std::string& text) const {
    std::vector<std::string> out;
    if (!words_) {
        for (unsigned char c : text) out.emplace_back(1, static_cast<char>(std::tolower(c)));
        return out;
    }
    std::string word;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-') {
            word += static_cast<char>(std::tolower(c));
        } else if (!word.empty()) {
            out.push_back(word);
            word.clear();
        }
    }
    if (!word.empty()) out.push_back(word);
    return out;
}

Vocabulary Vocabulary::build(const std::vector<std::string>& texts, bool words, int64_t limit) {
    Vocabulary v;
    v.words_ = words;
    std::map<std::string, int64_t> counts;
    for (const std::string& t : texts)
        for (const std::string& token : v.split(t)) ++counts[token];
    std::vector<std::pair<std::string, int64_t>> order(counts.begin(), counts.end());
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& entry : order) {
        if (limit > 0 && v.size() == limit) break;
        v.ids_.emplace(entry.first, static_cast<int32_t>(v.size()));
        v.tokens_.push_back(entry.first);
    }
    return v;
}

Vocabulary Vocabulary::read(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot open the vocabulary");
    std::string line;
    if (!std::getline(in, line) || line.rfind(magic, 0) != 0 ||
        (line.substr(std::string(magic).size()) != "word" && line.substr(std::string(magic).size()) != "char"))
        throw std::runtime_error(path + ":1: not a Chimera vocabulary (header line)");
    Vocabulary v;
    v.words_ = line.substr(std::string(magic).size()) == "word";
    int64_t number = 1;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty() || (!v.words_ && line.size() != 1))
            throw std::runtime_error(path + ":" + std::to_string(number) + ": '" + line + "' is not a " +
                                     (v.words_ ? "word" : "character"));
        if (!v.ids_.emplace(line, static_cast<int32_t>(v.size())).second)
            throw std::runtime_error(path + ":" + std::to_string(number) + ": '" + line + "' is listed twice");
        v.tokens_.push_back(line);
    }
    return v;
}

void Vocabulary::write(const std::string& path) const {
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary);
        out << magic << (words_ ? "word" : "char") << "\n";
        for (const std::string& t : tokens_) out << t << "\n";
        if (!out.flush()) throw std::runtime_error(temporary + ": cannot write the vocabulary");
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0)
        throw std::runtime_error(path + ": cannot write the vocabulary");
}

std::vector<int32_t> Vocabulary::encode(const std::string& text, int64_t length) const {
    std::vector<int32_t> ids;
    for (const std::string& t : split(text)) {
        if (static_cast<int64_t>(ids.size()) == length) break;
        auto it = ids_.find(t);
        ids.push_back(it == ids_.end() ? unknown : it->second);
    }
    return ids;
}

std::string Vocabulary::decode(const int32_t* ids, int64_t n) const {
    std::string out;
    for (int64_t i = 0; i < n && ids[i] != pad; ++i) {
        if (words_ && !out.empty()) out += ' ';
        const int64_t k = ids[i] - 2;
        out += k >= 0 && k < static_cast<int64_t>(tokens_.size()) ? tokens_[static_cast<std::size_t>(k)] : "?";
    }
    return out;
}

}  // namespace chimera_mm
