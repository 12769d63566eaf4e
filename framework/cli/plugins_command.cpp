// `chimera plugins`: the table of every component found, `--describe NAME` for one component's
// parameter schema and ports, and `--check [NAME]` to instantiate components with their defaults.
// Exits with the plugin error code when any library failed to load, after listing the rest.
#include "cli/command.hpp"
#include "cli/exit_code.hpp"
#include "cli/compute_options.hpp"
#include "cli/plugin_options.hpp"
#include "core/host_error.hpp"
#include "core/suggest.hpp"
#include "core/text_table.hpp"
#include "plugin/component_config.hpp"
#include "plugin/component_instance.hpp"
#include "plugin/param_schema.hpp"

#include <iostream>

namespace po = boost::program_options;

namespace chimera {

namespace {

int exit_code(const PluginRegistry& registry, bool failed = false) {
    return failed || registry.has_errors() ? static_cast<int>(ExitCode::plugin) : 0;
}

void list(const PluginRegistry& registry) {
    auto components = registry.components();
    if (components.empty()) {
        std::cout << "No plugin components found. Searched: " << registry.searched().describe()
                  << '\n';
        return;
    }
    TextTable table({"KIND", "NAME", "VERSION", "LIBRARY"});
    for (const ComponentInfo* c : components)
        table.add_row({kind_name(c->kind), c->name, c->version, c->library->file.string()});
    std::cout << table.render() << '\n'
              << components.size() << " component" << (components.size() == 1 ? "" : "s")
              << " in " << registry.library_count() << " librar"
              << (registry.library_count() == 1 ? "y" : "ies")
              << ". Describe one with: chimera plugins --describe NAME\n";
}

// NAME or KIND/NAME; several components when a bare name is shared across kinds.
std::vector<const ComponentInfo*> select(const PluginRegistry& registry, const std::string& spec) {
    std::size_t slash = spec.find('/');
    if (slash != std::string::npos) {
        std::string kind = spec.substr(0, slash);
        auto code = kind_from_name(kind);
        if (!code)
            throw UsageError("unknown component kind '" + kind + "'." +
                             did_you_mean(kind, kind_names()) + " Kinds: " + join(kind_names()));
        return {&registry.require(*code, spec.substr(slash + 1))};
    }
    auto found = registry.find_named(spec);
    if (found.empty()) {
        std::vector<std::string> names;
        for (const ComponentInfo* c : registry.components()) names.push_back(c->name);
        throw UsageError("no plugin component named '" + spec + "'." + did_you_mean(spec, names) +
                         " Available: " + (names.empty() ? "none" : join(names)) +
                         ". Searched: " + registry.searched().describe());
    }
    return found;
}

// The INPUTS or OUTPUTS table of a component's ports (ABI 1.4).
void describe_ports(const char* title, const std::vector<PortInfo>& ports, bool outputs) {
    TextTable table({title, "DTYPE", "SHAPE", "WHEN", "DESCRIPTION"});
    for (const auto& p : ports) {
        std::string when = p.form == PortInfo::Form::family ? "optional (any number)"
                           : p.optional                      ? "optional"
                                                             : (outputs ? "always" : "required");
        if (p.form == PortInfo::Form::option) when += ", unless " + p.option + " is \"\"";
        table.add_row({p.name, port_dtype_name(p.dtype), p.shape.empty() ? "any" : p.shape, when, p.doc});
    }
    std::cout << '\n' << table.render("  ");
}

void describe(const ComponentInfo& c) {
    std::cout << kind_name(c.kind) << " " << c.name << " " << c.version << "\n  "
              << c.description << "\n  library: " << c.library->name << " "
              << c.library->version << " (" << c.library->file.string() << ")\n\n";
    if (c.params.empty()) {
        std::cout << "  No parameters.\n";
    } else {
        TextTable table({"PARAMETER", "TYPE", "DEFAULT", "ALLOWED", "DESCRIPTION"});
        for (const auto& p : c.params)
            table.add_row({p.name, param_type_name(p.type), p.default_text.value_or("(required)"),
                           describe_allowed(p), p.doc});
        std::cout << table.render("  ");
    }
    if (c.kind != CHM_KIND_ENCODER && c.kind != CHM_KIND_GENERATOR && c.kind != CHM_KIND_LOSS) return;
    if (!c.declares_ports()) {
        std::cout << "\n  Ports: not declared (a plugin built before ABI 1.4, or one that leaves them out);\n"
                     "  its inputs and outputs are checked only when it runs.\n";
        return;
    }
    if (!c.inputs.empty()) describe_ports("INPUT", c.inputs, false);
    if (!c.outputs.empty()) describe_ports("OUTPUT", c.outputs, true);
}

// Creates and destroys each component with its defaults. Components with required parameters
// cannot be checked this way and are reported as skipped.
bool check(const std::vector<const ComponentInfo*>& components) {
    bool failed = false;
    TextTable table({"KIND", "NAME", "RESULT"});
    for (const ComponentInfo* c : components) {
        std::string result = "ok";
        try {
            auto config = make_component_config(*c, YAML::Node(), "", c->name);
            // Named by kind too: an encoder and a generator may share a name.
            ComponentInstance instance(*c, *config, kind_name(c->kind) + "_" + c->name);
        } catch (const ConfigError& e) {
            result = std::string("skipped: ") + e.what();
        } catch (const PluginError& e) {
            result = std::string("FAILED: ") + e.what();
            failed = true;
        }
        table.add_row({kind_name(c->kind), c->name, result});
    }
    std::cout << table.render();
    return !failed;
}

int run(const po::variables_map& vm) {
    auto logger = make_logger(vm);
    auto registry = load_plugins(vm, *logger);
    report_plugin_problems(*registry);
    if (vm.count("describe") && vm.count("check"))
        throw UsageError("chimera plugins: --describe and --check cannot be used together");
    if (vm.count("describe")) {
        auto found = select(*registry, vm["describe"].as<std::string>());
        for (std::size_t i = 0; i < found.size(); ++i) {
            if (i) std::cout << '\n';
            describe(*found[i]);
        }
        return exit_code(*registry);
    }
    if (vm.count("check")) {
        std::string name = vm["check"].as<std::string>();
        ComputeSession session(vm, *registry);  // components may make parameters in create
        bool ok = check(name.empty() ? registry->components() : select(*registry, name));
        return exit_code(*registry, !ok);
    }
    list(*registry);
    return exit_code(*registry);
}

}  // namespace

Command plugins_command() {
    Command c;
    c.name = "plugins";
    c.summary = "List plugin components, describe one, or check that they instantiate";
    c.usage = "chimera plugins [--describe NAME | --check [NAME]] [options]";
    c.options = [] {
        po::options_description desc("Options");
        desc.add_options()
            ("describe", po::value<std::string>()->value_name("NAME"),
             "print the parameters and ports of component NAME (or KIND/NAME)")
            ("check", po::value<std::string>()->value_name("[NAME]")->implicit_value(""),
             "create every component (or NAME) with its defaults and report failures");
        desc.add(plugin_options());
        desc.add(compute_options());
        return desc;
    };
    c.run = run;
    return c;
}

}  // namespace chimera
