#include "core/text_table.hpp"

#include <algorithm>
#include <stdexcept>

namespace chimera {

TextTable::TextTable(std::vector<std::string> header) : header_(std::move(header)) {}

void TextTable::add_row(std::vector<std::string> cells) {
    if (cells.size() != header_.size())
        throw std::logic_error("TextTable: row has " + std::to_string(cells.size()) +
                               " cells, header has " + std::to_string(header_.size()));
    rows_.push_back(std::move(cells));
}

std::string TextTable::render(const std::string& indent) const {
    std::vector<std::size_t> width(header_.size());
    auto widen = [&](const std::vector<std::string>& row) {
        for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    };
    widen(header_);
    for (const auto& row : rows_) widen(row);

    std::string out;
    auto emit = [&](const std::vector<std::string>& row) {
        std::string line = indent;
        for (std::size_t c = 0; c < row.size(); ++c) {
            line += row[c];
            if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + '\n';
    };
    emit(header_);
    for (const auto& row : rows_) emit(row);
    return out;
}

}  // namespace chimera
