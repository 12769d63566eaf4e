// The loaders of Fashion-MNIST-MM (scripts/make_fashion_mm.py): `text` (captions as token ids),
// `audio` (spoken class names as log-mel spectrograms) and `multimodal` (image, text and audio of
// each example joined by its manifest row, with a presence mask per modality). Each modality is a
// Part that reads its fields into the batch; a loader is a list of parts plus the label.
// Everything is decoded at creation (240 distinct clips, 70,000 captions); read() only copies.
// For generation they also turn a person's caption or WAV file into an example, and generated
// tokens or spectrograms into text and sound (Griffin-Lim); the vocabulary is saved with the run.
#include "../idx/idx_file.hpp"
#include "log_mel.hpp"
#include "manifest.hpp"
#include "vocabulary.hpp"

#include <chimera/chimera.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

namespace {

using chimera::Param;
using chimera_mm::ManifestRow;
using Rows = std::vector<const ManifestRow*>;

const char* const fashion = "/usr/share/datasets/fashion-mnist";

std::vector<Param> common_params() {
    return {Param::required("manifest", CHM_PARAM_STRING, "the manifest.tsv that scripts/make_fashion_mm.py wrote"),
            Param::string("split", "train", "which examples").choices({"train", "test"}),
            Param::integer("limit", 0, "use only the first N examples of the split (0: all)").min(0)};
}
void add_text_params(std::vector<Param>& p) {
    p.push_back(Param::string("level", "word", "caption tokens: words or characters").choices({"word", "char"}));
    p.push_back(Param::integer("length", 16, "tokens per caption (padded with 0 or truncated)").range(1, 4096));
    p.push_back(Param::integer("vocabulary_size", 0, "ids in use, the 2 reserved included; rarer tokens read as unknown (0: all)").min(0));
}
void add_audio_params(std::vector<Param>& p) {
    p.push_back(Param::integer("sample_rate", 16000, "the clips' rate in Hz (a clip at another rate is an error)").min(1000));
    p.push_back(Param::integer("window", 1024, "samples per FFT frame (Hann window)").range(16, 65536));
    p.push_back(Param::integer("hop", 320, "samples between frames").min(1));
    p.push_back(Param::integer("mels", 32, "mel bands").range(1, 512));
    p.push_back(Param::integer("frames", 64, "frames per clip (padded with silence or cropped)").range(1, 65536));
    p.push_back(Param::real("range_db", 80, "dB below full scale that map to 0 (0 dB maps to 1)").min(1));
    p.push_back(Param::real("trim_db", 40, "cut leading and trailing frames this far below the loudest (0: keep)").min(0));
    p.push_back(Param::integer("griffin_lim", 32, "Griffin-Lim iterations when a spectrogram is turned into sound").range(0, 1000));
}

// A data file named by option `key` that cannot be read: CHM_ERR_IO, which the host reports as
// bad data (exit 5), not as a bad option.
chimera::Error data_error(const chimera::Config& c, const char* key, const std::string& what) {
    return chimera::Error(c.where(key) + ": " + what, CHM_ERR_IO);
}

chimera_mm::Manifest load_manifest(const chimera::Config& c) {
    try {
        return chimera_mm::read_manifest(c.get<std::string>("manifest"));
    } catch (const std::exception& e) {
        throw data_error(c, "manifest", e.what());
    }
}

Rows split_rows(const chimera::Config& c, const chimera_mm::Manifest& m) {
    const std::string split = c.get<std::string>("split");
    Rows rows = m.split(split, c.get<int64_t>("limit"));
    if (rows.empty())
        throw chimera::Error(c.where("split") + ": " + m.path + " has no examples in split '" + split + "'",
                             CHM_ERR_INVALID_ARGUMENT);
    return rows;
}

// One modality's fields, filled for the examples asked for.
class Part {
public:
    virtual ~Part() = default;
    virtual std::vector<chimera::Field> fields() const = 0;
    // Fills batch[first], batch[first + 1], ... (this part's fields) with the examples `indices`.
    virtual void read(const Rows& rows, const std::vector<int64_t>& indices, std::vector<chimera::Tensor>& batch,
                      std::size_t first) const = 0;
    // What the part derived from the data, as files in a run's directory, and back.
    virtual void save(const std::string& directory) const { (void)directory; }
    virtual void restore(const std::string& directory, const Rows& rows) { (void)directory, (void)rows; }
    // One example's fields (example[first], ...) from a person's value for `field`; false when
    // the field is not this part's or cannot be made from a value.
    virtual bool encode(const std::string& field, const std::string& value, std::vector<chimera::Tensor>& example,
                        std::size_t first) const {
        (void)field, (void)value, (void)example, (void)first;
        return false;
    }
    virtual bool decode(const std::string& field, const chimera::Tensor& value, chimera::Loader::Decoded& out) const {
        (void)field, (void)value, (void)out;
        return false;
    }
};

const char* const vocabulary_file = "text_vocabulary.txt";

// "text" (int32 [length]), "text_length" (int32), "text_mask" (1: the example has a caption).
class TextPart : public Part {
public:
    TextPart(chimera::Host host, const chimera::Config& c, const chimera_mm::Manifest& m, const Rows& rows)
        : host_(host), length_(c.get<int64_t>("length")) {
        std::vector<std::string> training;
        for (const ManifestRow& r : m.rows)
            if (r.split == "train" && !r.caption.empty()) training.push_back(r.caption);
        vocabulary_ = chimera_mm::Vocabulary::build(training, c.get<std::string>("level") == "word",
                                                    c.get<int64_t>("vocabulary_size"));
        tokenise(rows);
    }
    void save(const std::string& directory) const override { vocabulary_.write(directory + "/" + vocabulary_file); }
    void restore(const std::string& directory, const Rows& rows) override {
        const std::string path = directory + "/" + vocabulary_file;
        chimera_mm::Vocabulary saved;
        try {
            saved = chimera_mm::Vocabulary::read(path);
        } catch (const std::exception& e) {
            throw chimera::Error(e.what(), CHM_ERR_IO);
        }
        if (saved.words() != vocabulary_.words())
            throw chimera::Error(path + ": a vocabulary of " + (saved.words() ? "words" : "characters") +
                                     ", but this loader reads " + (vocabulary_.words() ? "words" : "characters") +
                                     " (option level)", CHM_ERR_IO);
        vocabulary_ = std::move(saved);
        tokenise(rows);
    }
    // "text": a caption, tokenised as the training captions were.
    bool encode(const std::string& field, const std::string& value, std::vector<chimera::Tensor>& example,
                std::size_t first) const override {
        if (field != "text") return false;
        std::vector<int32_t> ids = vocabulary_.encode(value, length_ + 1);
        if (static_cast<int64_t>(ids.size()) > length_) {
            ids.resize(static_cast<std::size_t>(length_));
            host_.warning("text '" + value + "' is longer than " + std::to_string(length_) + " tokens; the rest is left out");
        }
        const auto unknown = std::count(ids.begin(), ids.end(), chimera_mm::Vocabulary::unknown);
        if (ids.empty() || unknown == static_cast<std::ptrdiff_t>(ids.size()))
            throw chimera::Error("text '" + value + "': none of its " + std::string(vocabulary_.words() ? "words" : "characters") +
                                     " is in the vocabulary of the training captions", CHM_ERR_INVALID_ARGUMENT);
        if (unknown > 0)
            host_.warning("text '" + value + "': " + std::to_string(unknown) + " of its tokens are not in the vocabulary and read as unknown");
        std::copy(ids.begin(), ids.end(), example[first].data_i32());
        example[first + 1].data_i32()[0] = static_cast<int32_t>(ids.size());
        example[first + 2].data()[0] = 1.0f;
        return true;
    }
    // "text": token ids up to the first 0, as the caption they spell, one line.
    bool decode(const std::string& field, const chimera::Tensor& value, chimera::Loader::Decoded& out) const override {
        if (field != "text") return false;
        if (value.dtype() != CHM_DTYPE_I32 || value.numel() != length_)
            throw chimera::Error("text: expected " + std::to_string(length_) + " int32 token ids", CHM_ERR_INVALID_ARGUMENT);
        out.media_type = "text/plain; charset=utf-8";
        out.bytes = vocabulary_.decode(value.data_i32(), length_) + "\n";
        return true;
    }
    std::vector<chimera::Field> fields() const override {
        return {{"text", CHM_DTYPE_I32, {length_}}, {"text_length", CHM_DTYPE_I32, {}}, {"text_mask", CHM_DTYPE_F32, {}}};
    }
    void read(const Rows& rows, const std::vector<int64_t>& indices, std::vector<chimera::Tensor>& batch,
              std::size_t first) const override {
        int32_t* text = batch[first].data_i32();
        int32_t* length = batch[first + 1].data_i32();
        float* mask = batch[first + 2].data();
        for (std::size_t k = 0; k < indices.size(); ++k) {
            const auto i = static_cast<std::size_t>(indices[k]);
            int32_t* row = text + static_cast<int64_t>(k) * length_;
            std::fill(std::copy(ids_[i].begin(), ids_[i].end(), row), row + length_, chimera_mm::Vocabulary::pad);
            length[k] = static_cast<int32_t>(ids_[i].size());
            mask[k] = rows[i]->caption.empty() ? 0.0f : 1.0f;
        }
    }

private:
    void tokenise(const Rows& rows) {
        ids_.clear();
        for (const ManifestRow* r : rows) ids_.push_back(vocabulary_.encode(r->caption, length_));
    }

    chimera::Host host_;
    int64_t length_;
    chimera_mm::Vocabulary vocabulary_;
    std::vector<std::vector<int32_t>> ids_;  // per example of the split
};

// "audio" (float32 [mels, frames] in [0, 1]), "audio_mask" (1: the example has a clip).
class AudioPart : public Part {
public:
    AudioPart(const chimera::Config& c, const chimera_mm::Manifest& m, const Rows& rows) {
        settings_.sample_rate = c.get<int64_t>("sample_rate");
        settings_.window = c.get<int64_t>("window");
        settings_.hop = c.get<int64_t>("hop");
        settings_.mels = c.get<int64_t>("mels");
        settings_.frames = c.get<int64_t>("frames");
        settings_.range_db = c.get<double>("range_db");
        settings_.trim_db = c.get<double>("trim_db");
        griffin_lim_ = static_cast<int>(c.get<int64_t>("griffin_lim"));
        if (settings_.hop > settings_.window)
            throw chimera::Error(c.where("hop") + ": the hop (" + std::to_string(settings_.hop) +
                                     ") must not exceed the window (" + std::to_string(settings_.window) + ")",
                                 CHM_ERR_INVALID_ARGUMENT);
        chimera_mm::LogMel mel(settings_);
        std::map<std::string, std::size_t> seen;
        for (const ManifestRow* r : rows) {
            if (r->audio.empty()) {
                clip_.push_back(-1);
                continue;
            }
            auto [it, fresh] = seen.emplace(r->audio, features_.size());
            if (fresh) {
                try {
                    features_.push_back(mel.features(chimera_mm::read_wav(m.directory + "/" + r->audio, settings_.sample_rate)));
                } catch (const std::exception& e) {
                    throw chimera::Error(m.path + ": example " + r->id + ": " + e.what(), CHM_ERR_IO);
                }
            }
            clip_.push_back(static_cast<int64_t>(it->second));
        }
    }
    std::vector<chimera::Field> fields() const override {
        return {{"audio", CHM_DTYPE_F32, {settings_.mels, settings_.frames}}, {"audio_mask", CHM_DTYPE_F32, {}}};
    }
    void read(const Rows&, const std::vector<int64_t>& indices, std::vector<chimera::Tensor>& batch,
              std::size_t first) const override {
        const int64_t size = settings_.mels * settings_.frames;
        float* audio = batch[first].data();
        float* mask = batch[first + 1].data();
        for (std::size_t k = 0; k < indices.size(); ++k) {
            const int64_t clip = clip_[static_cast<std::size_t>(indices[k])];
            float* row = audio + static_cast<int64_t>(k) * size;
            if (clip < 0) std::fill(row, row + size, 0.0f);
            else std::copy(features_[static_cast<std::size_t>(clip)].begin(), features_[static_cast<std::size_t>(clip)].end(), row);
            mask[k] = clip < 0 ? 0.0f : 1.0f;
        }
    }

    // "audio": a WAV file at the loader's sample rate, as a spectrogram.
    bool encode(const std::string& field, const std::string& value, std::vector<chimera::Tensor>& example,
                std::size_t first) const override {
        if (field != "audio") return false;
        std::vector<float> f;
        try {
            f = chimera_mm::LogMel(settings_).features(chimera_mm::read_wav(value, settings_.sample_rate));
        } catch (const std::exception& e) {
            throw chimera::Error(e.what(), CHM_ERR_IO);
        }
        std::copy(f.begin(), f.end(), example[first].data());
        example[first + 1].data()[0] = 1.0f;
        return true;
    }
    // "audio": a spectrogram (features in [0, 1]) as a WAV file, its phases by Griffin-Lim.
    bool decode(const std::string& field, const chimera::Tensor& value, chimera::Loader::Decoded& out) const override {
        if (field != "audio") return false;
        if (value.dtype() != CHM_DTYPE_F32 || value.numel() != settings_.mels * settings_.frames)
            throw chimera::Error("audio: expected a float32 spectrogram [" + std::to_string(settings_.mels) + ", " +
                                     std::to_string(settings_.frames) + "]", CHM_ERR_INVALID_ARGUMENT);
        std::vector<float> f(value.data(), value.data() + value.numel());
        for (float& x : f) {
            if (!std::isfinite(x))
                throw chimera::Error("audio: the spectrogram holds a non-finite value (" + std::to_string(x) + "); no sound made",
                                     CHM_ERR_INVALID_ARGUMENT);
            x = std::clamp(x, 0.0f, 1.0f);
        }
        out.media_type = "audio/wav";
        out.bytes = chimera_mm::wav_bytes(chimera_mm::LogMel(settings_).waveform(f.data(), griffin_lim_, 0), settings_.sample_rate);
        return true;
    }

private:
    int griffin_lim_ = 32;
    chimera_mm::MelSettings settings_;
    std::vector<std::vector<float>> features_;  // per distinct clip
    std::vector<int64_t> clip_;                 // per example: its clip, or -1
};

// "image" (float32 [1, 28, 28] in [0, 1]) from the split's IDX file, "image_mask" (always 1).
class ImagePart : public Part {
public:
    ImagePart(const chimera::Config& c, const Rows& rows) {
        const std::string file = c.get<std::string>("images") + "/" +
                                 (c.get<std::string>("split") == "train" ? "train" : "t10k") + "-images-idx3-ubyte.gz";
        try {
            images_ = chimera_idx::read_idx(file);
        } catch (const std::exception& e) {
            throw data_error(c, "images", e.what());
        }
        if (images_.dims.size() != 3) throw data_error(c, "images", file + " does not hold images [N, H, W]");
        for (const ManifestRow* r : rows)
            if (r->index >= images_.dims[0])
                throw data_error(c, "manifest", "example " + r->id + " names image " + std::to_string(r->index) + " but " +
                                                    file + " holds " + std::to_string(images_.dims[0]));
    }
    std::vector<chimera::Field> fields() const override {
        return {{"image", CHM_DTYPE_F32, {1, images_.dims[1], images_.dims[2]}}, {"image_mask", CHM_DTYPE_F32, {}}};
    }
    void read(const Rows& rows, const std::vector<int64_t>& indices, std::vector<chimera::Tensor>& batch,
              std::size_t first) const override {
        const int64_t pixels = images_.dims[1] * images_.dims[2];
        float* image = batch[first].data();
        float* mask = batch[first + 1].data();
        for (std::size_t k = 0; k < indices.size(); ++k) {
            const uint8_t* src = images_.data.data() + rows[static_cast<std::size_t>(indices[k])]->index * pixels;
            for (int64_t p = 0; p < pixels; ++p) image[static_cast<int64_t>(k) * pixels + p] = src[p] / 255.0f;
            mask[k] = 1.0f;
        }
    }

private:
    chimera_idx::IdxArray images_;
};

// A loader made of parts, then "label" (int32).
class PartsLoader : public chimera::Loader {
public:
    PartsLoader(chimera::Host host, const chimera::Config& c) : chimera::Loader(host), manifest_(load_manifest(c)) {
        rows_ = split_rows(c, manifest_);
    }
    int64_t size() const override { return static_cast<int64_t>(rows_.size()); }
    std::vector<chimera::Field> fields() const override {
        std::vector<chimera::Field> out;
        for (const auto& p : parts_)
            for (auto& f : p->fields()) out.push_back(std::move(f));
        out.push_back({"label", CHM_DTYPE_I32, {}});
        return out;
    }
    void read(const std::vector<int64_t>& indices, std::vector<chimera::Tensor>& batch) override {
        std::size_t first = 0;
        for (const auto& p : parts_) {
            p->read(rows_, indices, batch, first);
            first += p->fields().size();
        }
        int32_t* label = batch[first].data_i32();
        for (std::size_t k = 0; k < indices.size(); ++k) label[k] = rows_[static_cast<std::size_t>(indices[k])]->label;
    }

    void save(const std::string& directory) const override {
        for (const auto& p : parts_) p->save(directory);
    }
    void restore(const std::string& directory) override {
        for (const auto& p : parts_) p->restore(directory, rows_);
    }
    bool encode(const std::string& field, const std::string& value, std::vector<chimera::Tensor>& example) override {
        std::size_t first = 0;
        for (const auto& p : parts_) {
            if (p->encode(field, value, example, first)) return true;
            first += p->fields().size();
        }
        return false;
    }
    bool decode(const std::string& field, const chimera::Tensor& value, Decoded& out) override {
        for (const auto& p : parts_)
            if (p->decode(field, value, out)) return true;
        return false;
    }

protected:
    chimera_mm::Manifest manifest_;
    Rows rows_;
    std::vector<std::unique_ptr<Part>> parts_;
};

class TextLoader : public PartsLoader {
public:
    static chimera::Description describe() {
        auto p = common_params();
        add_text_params(p);
        return {"text", "1.2.0", "Captions from a Fashion-MNIST-MM manifest as padded token ids", p};
    }
    TextLoader(chimera::Host host, const chimera::Config& c) : PartsLoader(host, c) {
        parts_.push_back(std::make_unique<TextPart>(host, c, manifest_, rows_));
    }
};

class AudioLoader : public PartsLoader {
public:
    static chimera::Description describe() {
        auto p = common_params();
        add_audio_params(p);
        return {"audio", "1.1.0", "Spoken class names from a Fashion-MNIST-MM manifest as log-mel spectrograms", p};
    }
    AudioLoader(chimera::Host host, const chimera::Config& c) : PartsLoader(host, c) {
        parts_.push_back(std::make_unique<AudioPart>(c, manifest_, rows_));
    }
};

class MultimodalLoader : public PartsLoader {
public:
    static chimera::Description describe() {
        auto p = common_params();
        p.push_back(Param::string_list("modalities", {"image", "text", "audio"}, "which to read, in this order: image, text, audio"));
        p.push_back(Param::string("images", fashion, "directory of the Fashion-MNIST IDX files the manifest indexes"));
        add_text_params(p);
        add_audio_params(p);
        return {"multimodal", "1.1.0", "Image, caption and spoken name of each Fashion-MNIST-MM example, with presence masks", p};
    }
    MultimodalLoader(chimera::Host host, const chimera::Config& c) : PartsLoader(host, c) {
        const auto modalities = c.get<std::vector<std::string>>("modalities");
        if (modalities.empty())
            throw chimera::Error(c.where("modalities") + ": name at least one of image, text, audio", CHM_ERR_INVALID_ARGUMENT);
        for (std::size_t i = 0; i < modalities.size(); ++i) {
            const std::string& m = modalities[i];
            if (std::find(modalities.begin(), modalities.begin() + static_cast<std::ptrdiff_t>(i), m) !=
                modalities.begin() + static_cast<std::ptrdiff_t>(i))
                throw chimera::Error(c.where("modalities") + ": '" + m + "' is named twice", CHM_ERR_INVALID_ARGUMENT);
            if (m == "image") parts_.push_back(std::make_unique<ImagePart>(c, rows_));
            else if (m == "text") parts_.push_back(std::make_unique<TextPart>(host, c, manifest_, rows_));
            else if (m == "audio") parts_.push_back(std::make_unique<AudioPart>(c, manifest_, rows_));
            else
                throw chimera::Error(c.where("modalities") + ": unknown modality '" + m + "' (image, text, audio)",
                                     CHM_ERR_INVALID_ARGUMENT);
        }
    }
};

}  // namespace

CHIMERA_PLUGIN("multimodal", "1.1.0", "Loaders for Fashion-MNIST-MM: captions, speech and both with images",
               TextLoader, AudioLoader, MultimodalLoader)
