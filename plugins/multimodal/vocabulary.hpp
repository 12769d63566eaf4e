// A caption tokenizer and its vocabulary: words (lower-cased, split at anything not a letter,
// digit or hyphen) or characters. Ids: 0 padding (and the end of a caption), 1 unknown, then
// tokens by falling frequency in the training captions, ties alphabetically. Saved as a text file
// with the run, so generation reads captions exactly as training did. Not a subword tokenizer.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace chimera_mm {

class Vocabulary {
public:
    static constexpr int32_t pad = 0, unknown = 1;

    // From `texts` (the training captions); keeps the `limit` - 2 commonest tokens (0: all).
    static Vocabulary build(const std::vector<std::string>& texts, bool words, int64_t limit);
    // Throws std::runtime_error naming the file and line for anything but a file write() made.
    static Vocabulary read(const std::string& path);
    void write(const std::string& path) const;

    bool words() const { return words_; }
    // Ids in use: the two reserved and every token.
    int64_t size() const { return static_cast<int64_t>(tokens_.size()) + 2; }
    // The first `length` tokens of `text` as ids (unknown for tokens not in the vocabulary).
    std::vector<int32_t> encode(const std::string& text, int64_t length) const;
    // Ids up to the first padding, joined by spaces (words) or nothing (characters); unknown
    // tokens show as "?".
    std::string decode(const int32_t* ids, int64_t n) const;

private:
    std::vector<std::string> split(const std::string& text) const;
    bool words_ = true;
    std::vector<std::string> tokens_;  // tokens_[i] has id i + 2
    std::map<std::string, int32_t> ids_;
};

}  // namespace chimera_mm
