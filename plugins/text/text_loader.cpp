// The `text` loader: captions from a Fashion-MNIST-MM manifest (scripts/make_fashion_mm.py), as
// fields "text" (int32 [length] token ids, padded with 0 or truncated), "text_length" (int32, the
// tokens kept), "text_mask" (float32, 1 when the example has a caption, 0 when it was dropped)
// and "label" (int32). Tokens are words (lower-cased, split at anything not a letter, digit or
// hyphen) or characters. The vocabulary is built from the manifest's training captions, so
// every split and every run of the same manifest numbers tokens alike: 0 padding, 1 unknown,
// then by falling frequency, ties alphabetically. Tokenised at creation; read() only copies.
#include <chimera/chimera.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

namespace {

constexpr int32_t kPad = 0, kUnknown = 1;

std::vector<std::string> tokens_of(const std::string& text, bool words) {
    std::vector<std::string> out;
    if (!words) {
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

struct Row {
    std::string split, caption;
    int32_t label = 0;
    bool has_caption = false;
    std::vector<int32_t> ids;  // the caption's tokens, at most `length` of them
};

class TextLoader : public chimera::Loader {
public:
    static chimera::Description describe() {
        using chimera::Param;
        return {"text", "1.0.0", "Captions from a Fashion-MNIST-MM manifest as padded token ids",
                {Param::required("manifest", CHM_PARAM_STRING, "the manifest.tsv that scripts/make_fashion_mm.py wrote"),
                 Param::string("split", "train", "which examples").choices({"train", "test"}),
                 Param::string("level", "word", "tokens: words or characters").choices({"word", "char"}),
                 Param::integer("length", 16, "tokens per example (padded or truncated)").range(1, 4096),
                 Param::integer("limit", 0, "use only the first N examples of the split (0: all)").min(0)}};
    }

    TextLoader(chimera::Host host, const chimera::Config& config) : chimera::Loader(host) {
        const std::string file = config.get<std::string>("manifest");
        words_ = config.get<std::string>("level") == "word";
        length_ = config.get<int64_t>("length");
        const std::string split = config.get<std::string>("split");
        std::vector<Row> rows = read_manifest(config, file);
        std::map<std::string, int64_t> counts;
        for (const Row& r : rows)
            if (r.split == "train")
                for (const auto& t : tokens_of(r.caption, words_)) ++counts[t];
        std::vector<std::pair<std::string, int64_t>> order(counts.begin(), counts.end());
        std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
        for (const auto& [token, n] : order) ids_.emplace(token, static_cast<int32_t>(ids_.size()) + 2);
        const int64_t limit = config.get<int64_t>("limit");
        for (Row& r : rows) {
            if (r.split != split || (limit > 0 && static_cast<int64_t>(examples_.size()) == limit)) continue;
            for (const auto& t : tokens_of(r.caption, words_)) {
                if (static_cast<int64_t>(r.ids.size()) == length_) break;
                auto it = ids_.find(t);
                r.ids.push_back(it == ids_.end() ? kUnknown : it->second);
            }
            examples_.push_back(std::move(r));
        }
        if (examples_.empty())
            throw chimera::Error(config.where("split") + ": " + file + " has no examples in split '" + split + "'",
                                 CHM_ERR_INVALID_ARGUMENT);
    }

    int64_t size() const override { return static_cast<int64_t>(examples_.size()); }

    std::vector<chimera::Field> fields() const override {
        return {{"text", CHM_DTYPE_I32, {length_}},
                {"text_length", CHM_DTYPE_I32, {}},
                {"text_mask", CHM_DTYPE_F32, {}},
                {"label", CHM_DTYPE_I32, {}}};
    }

    void read(const std::vector<int64_t>& indices, std::vector<chimera::Tensor>& batch) override {
        int32_t* text = batch[0].data_i32();
        int32_t* length = batch[1].data_i32();
        float* mask = batch[2].data();
        int32_t* label = batch[3].data_i32();
        for (std::size_t k = 0; k < indices.size(); ++k) {
            const Row& r = examples_[static_cast<std::size_t>(indices[k])];
            int32_t* row = text + static_cast<int64_t>(k) * length_;
            std::fill(std::copy(r.ids.begin(), r.ids.end(), row), row + length_, kPad);
            length[k] = static_cast<int32_t>(r.ids.size());
            mask[k] = r.has_caption ? 1.0f : 0.0f;
            label[k] = r.label;
        }
    }

private:
    // Lines of "id split index label caption audio"; errors name the file and line.
    static std::vector<Row> read_manifest(const chimera::Config& config, const std::string& file) {
        std::ifstream in(file);
        if (!in)
            throw chimera::Error(config.where("manifest") + ": cannot open " + file + " (make it with scripts/make_fashion_mm.py)",
                                 CHM_ERR_IO);
        std::vector<Row> rows;
        std::string line;
        int64_t number = 0;
        auto fail = [&](const std::string& why) {
            throw chimera::Error(file + ":" + std::to_string(number) + ": " + why, CHM_ERR_INVALID_ARGUMENT);
        };
        while (std::getline(in, line)) {
            ++number;
            if (number == 1) {
                if (line.rfind("id\tsplit\tindex\tlabel\tcaption\taudio", 0) != 0) fail("not a Fashion-MNIST-MM manifest (header line)");
                continue;
            }
            std::vector<std::string> f;
            std::string field;
            std::istringstream s(line);
            while (std::getline(s, field, '\t')) f.push_back(field);
            if (!line.empty() && line.back() == '\t') f.push_back("");
            if (f.size() != 6) fail("expected 6 tab-separated fields, found " + std::to_string(f.size()));
            Row r;
            r.split = f[1];
            if (f[3].size() != 1 || f[3][0] < '0' || f[3][0] > '9') fail("label '" + f[3] + "' is not a class 0-9");
            r.label = f[3][0] - '0';
            r.caption = f[4];
            r.has_caption = !f[4].empty();
            rows.push_back(r);
        }
        if (number == 0) fail("empty file");
        return rows;
    }

    bool words_ = true;
    int64_t length_ = 16;
    std::map<std::string, int32_t> ids_;
    std::vector<Row> examples_;
};

}  // namespace

CHIMERA_PLUGIN("text", "1.0.0", "Loaders for captions", TextLoader)
