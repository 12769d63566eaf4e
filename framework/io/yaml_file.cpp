#include "io/yaml_file.hpp"

#include <yaml-cpp/eventhandler.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <vector>

namespace chimera {

namespace {

// Counts the nodes of a document as a walk over the loaded tree meets them: an alias as many
// times as the node it names holds. Throws YAML::ParserException at the alias that takes the
// count past kMaxYamlNodes, or that names a node it sits inside (a cycle no walk would leave).
class ExpandedSize : public YAML::EventHandler {
public:
    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor); }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, const std::string&) override {
        leaf(mark, anchor);
    }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        const auto size = sizes_.find(anchor);
        if (size == sizes_.end())
            throw YAML::ParserException(mark, "alias *" + names_[anchor] + " names a node that contains it");
        add(mark, size->second, anchor);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
        open(mark, anchor);
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
        open(mark, anchor);
    }
    void OnMapEnd() override { close(); }
    void OnAnchor(const YAML::Mark&, const std::string& name) override { next_name_ = name; }

private:
    struct Open {
        YAML::anchor_t anchor;
        std::size_t first;  // nodes_ before this collection
    };

    void add(const YAML::Mark& mark, std::size_t n, YAML::anchor_t alias = YAML::NullAnchor) {
        if (n > kMaxYamlNodes - nodes_)
            throw YAML::ParserException(mark, (alias == YAML::NullAnchor ? std::string("the document holds")
                                                                          : "alias *" + names_[alias] + " makes the document hold") +
                                                  " more than " + std::to_string(kMaxYamlNodes) + " values once aliases are expanded");
        nodes_ += n;
    }
    void name(YAML::anchor_t anchor) {
        if (anchor != YAML::NullAnchor) names_[anchor] = next_name_;
    }
    void leaf(const YAML::Mark& mark, YAML::anchor_t anchor) {
        name(anchor);
        add(mark, 1);
        if (anchor != YAML::NullAnchor) sizes_[anchor] = 1;
    }
    void open(const YAML::Mark& mark, YAML::anchor_t anchor) {
        name(anchor);
        open_.push_back({anchor, nodes_});
        add(mark, 1);
    }
    void close() {
        const Open o = open_.back();
        open_.pop_back();
        if (o.anchor != YAML::NullAnchor) sizes_[o.anchor] = nodes_ - o.first;
    }

    std::size_t nodes_ = 0;
    std::vector<Open> open_;
    std::map<YAML::anchor_t, std::size_t> sizes_;   // of each anchored node that is complete
    std::map<YAML::anchor_t, std::string> names_;  // as written after &
    std::string next_name_;
};

// The file's bytes. A directory opens as a file on Linux and fails on the first read, which
// libstdc++ reports by throwing.
std::string read_text(const std::string& file) {
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec)) throw DataError(file, "is a directory, not a pipeline file");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw DataError(file, "cannot open the pipeline file");
    try {
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (in.bad()) throw DataError(file, "cannot read the pipeline file");
        return text;
    } catch (const std::ios_base::failure& e) {
        throw DataError(file, std::string("cannot read the pipeline file: ") + e.what());
    }
}

}  // namespace

YAML::Node load_yaml(const std::string& text) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    ExpandedSize size;
    parser.HandleNextDocument(size);
    return YAML::Load(text);
}

YAML::Node load_yaml_file(const std::string& file) {
    const std::string text = read_text(file);
    try {
        return load_yaml(text);
    } catch (const YAML::Exception& e) {
        throw ConfigError(SourcePlace{file, e.mark.line + 1, e.mark.column + 1, ""}, e.msg);
    }
}

SourcePlace yaml_place(const YAML::Node& node, const YamlPlace& place) {
    // A node looked up under a missing key is invalid and has no mark: name the path alone.
    const YAML::Mark mark = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
    SourcePlace where{place.file, 0, 0, place.path.empty() ? "top level" : place.path};
    if (!mark.is_null()) {
        where.line = mark.line + 1;
        where.column = mark.column + 1;
    }
    return where;
}

std::string yaml_where(const YAML::Node& node, const YamlPlace& place) { return yaml_place(node, place).text(); }

void yaml_fail(const YAML::Node& node, const YamlPlace& place, const std::string& what) {
    throw ConfigError(yaml_place(node, place), what);
}

}  // namespace chimera
