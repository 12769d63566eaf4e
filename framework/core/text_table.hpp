// Left-aligned plain-text tables for terminal output (component lists, parameter schemas,
// pipeline accounts). Columns are as wide as their widest cell; the last column is not padded.
#pragma once

#include <string>
#include <vector>

namespace chimera {

class TextTable {
public:
    explicit TextTable(std::vector<std::string> header);
    void add_row(std::vector<std::string> cells);
    bool empty() const { return rows_.empty(); }
    // Rows separated by '\n', each prefixed with `indent`, ending with '\n'.
    std::string render(const std::string& indent = "") const;

private:
    std::vector<std::string> header_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace chimera
