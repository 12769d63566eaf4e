// `chimera ops`: the host's op set as plugins call it, one line per op with its version, inputs
// and named attributes (as <chimera/opset.h> declares them). Reference for plugin authors.
#include "cli/command.hpp"
#include "core/host_error.hpp"
#include "core/suggest.hpp"
#include "core/text_table.hpp"
#include "ops/op_registry.hpp"

#include <chimera/opset.h>

#include <iostream>

namespace po = boost::program_options;

namespace chimera {

namespace {

int run(const po::variables_map&) {
    OpRegistry ops;
    register_builtin_ops(ops);
    TextTable table({"OP", "VERSION", "SIGNATURE", "ATTRIBUTES"});
    for (const OpDef* op : ops.all())
        table.add_row({op->name, std::to_string(op->version), op->signature,
                       op->attrs.text().empty() ? "-" : op->attrs.text()});
    std::cout << table.render() << '\n'
              << ops.all().size() << " ops, op set " << CHM_OPSET_VERSION
              << ". Attributes are named (name=default; [2]: height and width; [*]: a list; a|b: a choice);\n"
                 "the positional calls of ABI 1.3 take their numbers in the order shown.\n";
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
