// The manifest reader: tab-separated lines under a fixed header; every field checked, so a
// truncated or hand-edited file fails at its line rather than later in a batch.
#include "manifest.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace chimera_mm {

namespace {

const char* const header = "id\tsplit\tindex\tlabel\tcaption\taudio";

std::vector<std::string> fields_of(const std::string& line) {
    std::vector<std::string> f;
    std::string field;
    std::istringstream s(line);
    while (std::getline(s, field, '\t')) f.push_back(field);
    if (!line.empty() && line.back() == '\t') f.push_back("");
    return f;
}

}  // namespace

std::vector<const ManifestRow*> Manifest::split(const std::string& name, int64_t limit) const {
    std::vector<const ManifestRow*> out;
    for (const ManifestRow& r : rows) {
        if (r.split != name) continue;
        if (limit > 0 && static_cast<int64_t>(out.size()) == limit) break;
        out.push_back(&r);
    }
    return out;
}

Manifest read_manifest(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot open (make it with scripts/make_fashion_mm.py)");
    Manifest m;
    m.path = path;
    const auto slash = path.find_last_of('/');
    m.directory = slash == std::string::npos ? "." : path.substr(0, slash);
    std::string line;
    int64_t number = 0;
    auto fail = [&](const std::string& why) {
        throw std::runtime_error(path + ":" + std::to_string(number) + ": " + why);
    };
    while (std::getline(in, line)) {
        ++number;
        if (number == 1) {
            if (line.rfind(header, 0) != 0) fail("not a Fashion-MNIST-MM manifest (header line)");
            continue;
        }
        std::vector<std::string> f = fields_of(line);
        if (f.size() != 6) fail("expected 6 tab-separated fields, found " + std::to_string(f.size()));
        ManifestRow r;
        r.id = f[0];
        r.split = f[1];
        if (r.split != "train" && r.split != "test") fail("split '" + r.split + "' is neither train nor test");
        try {
            std::size_t used = 0;
            r.index = std::stoll(f[2], &used);
            if (used != f[2].size() || r.index < 0) throw std::invalid_argument("index");
        } catch (const std::exception&) {
            fail("index '" + f[2] + "' is not a non-negative integer");
        }
        if (f[3].size() != 1 || f[3][0] < '0' || f[3][0] > '9') fail("label '" + f[3] + "' is not a class 0-9");
        r.label = f[3][0] - '0';
        r.caption = f[4];
        r.audio = f[5];
        m.rows.push_back(std::move(r));
    }
    if (number == 0) fail("empty file");
    if (m.rows.empty()) fail("no examples after the header");
    return m;
}

}  // namespace chimera_mm
