// What tests of plugins share: a registry with the given libraries loaded (quietly), a context
// with the built-in ops lent to them, and a short way to create a component with YAML options.
// Detaches the context before it goes away.
#pragma once

#include "plugin/component_config.hpp"
#include "plugin/component_instance.hpp"
#include "plugin/host_services.hpp"
#include "plugin/plugin_registry.hpp"

#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <vector>

namespace chimera::test {

struct PluginSession {
    Logger quiet{CHM_LOG_ERROR + 1};
    PluginRegistry registry{quiet};
    Context ctx;
    OpRegistry ops;
    HostServices services{ctx, ops, ""};

    explicit PluginSession(const std::vector<std::string>& libraries, int threads = 1, uint64_t seed = 0)
        : ctx(threads, seed) {
        register_builtin_ops(ops);
        for (const auto& file : libraries) registry.load_file(file);
        BOOST_TEST_REQUIRE(registry.problems().empty());
        registry.attach(&services);
    }
    ~PluginSession() { registry.attach(nullptr); }

    // An instance of `component` of `kind` named `name`, its options from `yaml` as if written in
    // `file` under the YAML path `path` (default: the name).
    std::unique_ptr<ComponentInstance> make(chm_kind kind, const std::string& component, const std::string& yaml,
                                            const std::string& name, const std::string& file = "",
                                            const std::string& path = "") {
        const ComponentInfo& info = registry.require(kind, component);
        auto config = make_component_config(info, YAML::Load(yaml), file, path.empty() ? name : path);
        return std::make_unique<ComponentInstance>(info, *config, name);
    }

    // Examples `indices` read by loader `l`: one tensor per field, in the order of its fields.
    std::vector<Tensor> read_batch(const ComponentInstance& l, const std::vector<int64_t>& indices) {
        std::vector<Tensor> out;
        for (const FieldInfo& f : l.fields()) {
            Shape shape{static_cast<int64_t>(indices.size())};
            shape.insert(shape.end(), f.shape.begin(), f.shape.end());
            out.push_back(ctx.zeros(f.dtype, shape));
        }
        l.read(indices, out);
        return out;
    }
};

}  // namespace chimera::test
