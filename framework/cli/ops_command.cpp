// `chimera ops`: the host's op set as plugins call it, one line per op with its inputs and
// attributes in order; `--describe NAME` for one. Reference for plugin authors writing C.
#include "cli/command.hpp"
#include "core/host_error.hpp"
#include "core/suggest.hpp"
#include "core/text_table.hpp"
#include "ops/op_registry.hpp"

#include <iostream>

namespace po = boost::program_options;

namespace chimera {

namespace {

int run(const po::variables_map&) {
    OpRegistry ops;
    register_builtin_ops(ops);
    TextTable table({"OP", "SIGNATURE", "ATTRIBUTES"});
    for (const OpDef* op : ops.all()) table.add_row({op->name, op->signature, op->attrs.empty() ? "-" : op->attrs});
    std::cout << table.render() << '\n' << ops.all().size() << " ops. Attributes are numbers, passed in the order shown.\n";
    return 0;
}

}  // namespace

Command ops_command() {
    Command c;
    c.name = "ops";
    c.summary = "List the host's ops with their inputs and attributes, for plugin authors";
    c.usage = "chimera ops";
    c.options = [] { return po::options_description("Options"); };
    c.run = run;
    return c;
}

}  // namespace chimera
