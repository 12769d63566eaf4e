// YAML files as Chimera reads them: loading one with errors that name file:line:column, and the
// one way to say where a value of one sits (a SourcePlace) and to fail there (a ConfigError).
// Not what any file means: pipelines (pipeline/) and plugin options (plugin/) read their own.
#pragma once

#include "core/host_error.hpp"

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>

namespace chimera {

// The most values a document may hold once each alias is counted as a copy of the node it names.
// Why: yaml-cpp shares an aliased node, but every walk over the tree (variables, overrides, keys,
// options) visits it once per alias: nine levels of nine aliases in a few lines of text made 387
// million visits. Aliases stay allowed (configs share a split's options through one).
constexpr std::size_t kMaxYamlNodes = 100000;

// The first document of `text`, as YAML::Load reads it. Throws YAML::Exception at the place of
// bad syntax, of an alias that takes the document past kMaxYamlNodes, or of one inside the node
// it names.
YAML::Node load_yaml(const std::string& text);

// The parsed file. Throws ConfigError at the place yaml-cpp gives (or of an alias load_yaml
// refuses), or DataError when the file cannot be read (a directory, say).
YAML::Node load_yaml_file(const std::string& file);

// Where a value sits: the file it came from and its dotted YAML path ("" for the top level).
struct YamlPlace {
    const std::string& file;
    std::string path;
    YamlPlace child(const std::string& key) const { return {file, path.empty() ? key : path + "." + key}; }
    YamlPlace item(std::size_t k) const { return {file, path + "[" + std::to_string(k) + "]"}; }
};

// The place of `node`, read from `place.file` at `place.path`: its line and column when it has
// a mark (none when it was made in code or by an override, or is missing).
SourcePlace yaml_place(const YAML::Node& node, const YamlPlace& place);
// Its text: "file:line:col (a.b.c)", "file (a.b.c)", or "(a.b.c)" for one made in code.
std::string yaml_where(const YAML::Node& node, const YamlPlace& place);

// Throws ConfigError(yaml_place(node, place), what).
[[noreturn]] void yaml_fail(const YAML::Node& node, const YamlPlace& place, const std::string& what);

}  // namespace chimera
