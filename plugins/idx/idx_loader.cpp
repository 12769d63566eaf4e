// The `idx` loader: images and labels from MNIST-format IDX files (Fashion-MNIST as Debian
// ships it, by default), as fields "image" (float32 [1, H, W], scaled to [0, 1] or [-1, 1],
// optionally binarised) and "label" (int32). Everything is read into memory at creation;
// read() only copies. Built with the SDK like any outside plugin.
#include "idx_file.hpp"

#include <chimera/chimera.hpp>

#include <cstring>

namespace {

const char* const fashion = "/usr/share/datasets/fashion-mnist/";

class IdxLoader : public chimera::Loader {
public:
    static chimera::Description describe() {
        using chimera::Param;
        return {"idx", "1.0.0", "Images and labels from MNIST-format IDX files (gzipped or raw)",
                {Param::string("images", std::string(fashion) + "train-images-idx3-ubyte.gz",
                               "IDX file of images [N, H, W]"),
                 Param::string("labels", std::string(fashion) + "train-labels-idx1-ubyte.gz",
                               "IDX file of labels [N]; empty for none"),
                 Param::string("scale", "unit", "pixel range: unit [0, 1] or symmetric [-1, 1]")
                     .choices({"unit", "symmetric"}),
                 Param::boolean("binarize", false, "pixels above half intensity become 1, others 0"),
                 Param::integer("limit", 0, "use only the first N examples (0: all)").min(0)}};
    }

    IdxLoader(chimera::Host host, const chimera::Config& config) : chimera::Loader(host) {
        images_ = read(config, "images");
        if (images_.dims.size() != 3)
            throw chimera::Error(config.where("images") + ": expected images [N, H, W], the file has " +
                                     std::to_string(images_.dims.size()) + " dimensions",
                                 CHM_ERR_INVALID_ARGUMENT);
        count_ = images_.dims[0];
        if (!config.get<std::string>("labels").empty()) {
            labels_ = read(config, "labels");
            if (labels_.dims.size() != 1 || labels_.dims[0] != count_)
                throw chimera::Error(config.where("labels") + ": " + std::to_string(labels_.dims[0]) +
                                         " labels for " + std::to_string(count_) + " images",
                                     CHM_ERR_INVALID_ARGUMENT);
        }
        int64_t limit = config.get<int64_t>("limit");
        if (limit > 0 && limit < count_) count_ = limit;
        symmetric_ = config.get<std::string>("scale") == "symmetric";
        binarize_ = config.get<bool>("binarize");
        // A table from byte to value: reading is then a lookup per pixel.
        for (int v = 0; v < 256; ++v) {
            float x = binarize_ ? (v > 127 ? 1.0f : 0.0f) : v / 255.0f;
            table_[v] = symmetric_ ? 2.0f * x - 1.0f : x;
        }
    }

    int64_t size() const override { return count_; }

    std::vector<chimera::Field> fields() const override {
        std::vector<chimera::Field> out{{"image", CHM_DTYPE_F32, {1, images_.dims[1], images_.dims[2]}}};
        if (!labels_.dims.empty()) out.push_back({"label", CHM_DTYPE_I32, {}});
        return out;
    }

    void read(const std::vector<int64_t>& indices, std::vector<chimera::Tensor>& batch) override {
        const int64_t pixels = images_.dims[1] * images_.dims[2];
        float* image = batch[0].data();
        for (std::size_t k = 0; k < indices.size(); ++k) {
            const uint8_t* src = images_.data.data() + indices[k] * pixels;
            for (int64_t p = 0; p < pixels; ++p) image[k * pixels + p] = table_[src[p]];
        }
        if (batch.size() > 1) {
            int32_t* label = batch[1].data_i32();
            for (std::size_t k = 0; k < indices.size(); ++k) label[k] = labels_.data[indices[k]];
        }
    }

private:
    static chimera_idx::IdxArray read(const chimera::Config& config, const char* key) {
        try {
            return chimera_idx::read_idx(config.get<std::string>(key));
        } catch (const std::runtime_error& e) {
            throw chimera::Error(config.where(key) + ": " + e.what(), CHM_ERR_IO);
        }
    }

    chimera_idx::IdxArray images_, labels_;
    int64_t count_ = 0;
    bool symmetric_ = false, binarize_ = false;
    float table_[256];
};

}  // namespace

CHIMERA_PLUGIN("idx", "1.0.0", "Loaders for MNIST-format IDX files", IdxLoader)
