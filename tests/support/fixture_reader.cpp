#include "support/fixture_reader.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace chimera::test {

namespace {

Tensor read_tensor(Context& ctx, std::istringstream& in) {
    std::string first;
    in >> first;
    if (first == "none") return Tensor();
    int rank = std::stoi(first);
    Shape shape(rank);
    for (auto& d : shape) in >> d;
    Tensor t = ctx.empty(DType::f32, shape);
    for (int64_t i = 0; i < t.numel(); ++i)
        if (!(in >> t.data<float>()[i])) throw std::runtime_error("too few values");
    return t;
}

}  // namespace

std::vector<OpFixtureCase> read_op_fixtures(Context& ctx, const std::string& path) {
    std::ifstream file(path);
    if (!file) throw std::runtime_error(path + ": cannot open");
    std::vector<OpFixtureCase> cases;
    std::string line;
    int number = 0;
    while (std::getline(file, line)) {
        ++number;
        if (line.empty() || line[0] == '#') continue;
        try {
            std::istringstream in(line);
            std::string tag;
            in >> tag;
            if (tag == "case") {
                cases.emplace_back();
                in >> cases.back().name >> cases.back().op;
                continue;
            }
            if (cases.empty()) throw std::runtime_error("'" + tag + "' before any case");
            OpFixtureCase& c = cases.back();
            int k = 0;
            if (tag == "attrs") {
                int n = 0;
                in >> n;
                c.attrs.resize(n);
                for (auto& a : c.attrs) in >> a;
            } else if (tag == "input") {
                in >> k;
                c.inputs.resize(std::max<std::size_t>(c.inputs.size(), k + 1));
                c.inputs[k] = read_tensor(ctx, in);
            } else if (tag == "grad_output") {
                c.grad_output = read_tensor(ctx, in);
            } else if (tag == "output") {
                c.output = read_tensor(ctx, in);
            } else if (tag == "grad_input") {
                in >> k;
                c.grad_inputs.resize(std::max<std::size_t>(c.grad_inputs.size(), k + 1));
                c.grad_inputs[k] = read_tensor(ctx, in);
            } else if (tag == "after") {
                in >> k;
                c.after[k] = read_tensor(ctx, in);
            } else if (tag != "end") {
                throw std::runtime_error("unknown tag '" + tag + "'");
            }
        } catch (const std::exception& e) {
            throw std::runtime_error(path + ":" + std::to_string(number) + ": " + e.what());
        }
    }
    return cases;
}

}  // namespace chimera::test
