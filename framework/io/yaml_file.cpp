#include "io/yaml_file.hpp"

#include <fstream>

namespace chimera {

YAML::Node load_yaml_file(const std::string& file) {
    std::ifstream in(file);
    if (!in) throw DataError(file, "cannot open the pipeline file");
    try {
        return YAML::Load(in);
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
