// Declared ports (ABI 1.4) as the host reads and uses them: the descriptor reader accepts the
// three name forms and refuses malformed declarations naming component and port; a 1.3-sized
// component is read as before even with garbage where the ports would be; an instance's
// PortCheck resolves {option} names and checks a call's tensors with symbols bound across ports.
#include <boost/test/unit_test.hpp>

#include "core/host_error.hpp"
#include "plugin/component_config.hpp"
#include "plugin/descriptor_reader.hpp"
#include "plugin/port_check.hpp"
#include "autograd/context.hpp"

#include <cstddef>
#include <functional>

using namespace chimera;

namespace {

chm_status create_nothing(const chm_host*, const chm_config*, void** out) {
    *out = nullptr;
    return CHM_OK;
}
void destroy_nothing(void*) {}
chm_status forward_nothing(void*, const chm_named_tensor*, uint32_t, chm_outputs*) { return CHM_OK; }

chm_port_desc port(const char* name, chm_dtype dtype, const char* shape, uint32_t flags = 0) {
    chm_port_desc p{};
    p.struct_size = sizeof p;
    p.dtype = dtype;
    p.flags = flags;
    p.name = name;
    p.shape = shape;
    p.doc = "a port";
    return p;
}

// One encoder with a string parameter `input` and the given ports, in a library.
struct Fixture {
    chm_param_desc param{};
    chm_module_methods methods{};
    std::vector<chm_port_desc> inputs, outputs;
    chm_component_desc component{};
    const chm_component_desc* list[1] = {&component};
    chm_library_desc library{};

    Fixture() {
        param.struct_size = sizeof param;
        param.type = CHM_PARAM_STRING;
        param.name = "input";
        param.default_value = "x";
        param.doc = "the input";
        methods.struct_size = sizeof methods;
        methods.forward = &forward_nothing;
        inputs = {port("{input}", CHM_DTYPE_F32, "[N, D]"), port("mu_<m>", CHM_DTYPE_F32, "[N, D]"),
                  port("mask", CHM_DTYPE_F32, "[N]", CHM_PORT_OPTIONAL)};
        outputs = {port("y", CHM_DTYPE_ANY, "[N, D]")};
        library.struct_size = sizeof library;
        library.abi_major = CHM_ABI_VERSION_MAJOR;
        library.abi_minor = CHM_ABI_VERSION_MINOR;
        library.component_count = 1;
        library.name = "ports";
        library.version = "1.0.0";
        library.description = "test";
        library.components = list;
    }
    LibraryContents read() {
        component.struct_size = component.struct_size ? component.struct_size : sizeof component;
        component.kind = CHM_KIND_ENCODER;
        component.param_count = 1;
        component.name = "ported";
        component.version = "1.0.0";
        component.description = "test";
        component.params = &param;
        component.create = &create_nothing;
        component.destroy = &destroy_nothing;
        component.methods = &methods;
        component.input_count = static_cast<uint32_t>(inputs.size());
        component.output_count = static_cast<uint32_t>(outputs.size());
        component.inputs = inputs.empty() ? nullptr : inputs.data();
        component.outputs = outputs.empty() ? nullptr : outputs.data();
        return read_library_descriptor(&library, "ports.so");
    }
    std::string refusal() {
        try {
            read();
        } catch (const PluginError& e) {
            return e.what();
        }
        return "accepted";
    }
};

bool has(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return true;
    BOOST_TEST_MESSAGE("'" << part << "' not in: " << text);
    return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(port_descriptors)

BOOST_AUTO_TEST_CASE(the_three_name_forms_are_read) {
    Fixture f;
    const ComponentInfo c = f.read().components.at(0);
    BOOST_TEST_REQUIRE(c.inputs.size() == 3u);
    BOOST_TEST(c.declares_ports());
    BOOST_TEST((c.inputs[0].form == PortInfo::Form::option));
    BOOST_TEST(c.inputs[0].option == "input");
    BOOST_TEST(!c.inputs[0].optional);
    BOOST_TEST((c.inputs[1].form == PortInfo::Form::family));
    BOOST_TEST(c.inputs[1].optional);  // families are optional by nature
    BOOST_TEST(c.inputs[1].in_family("mu_image"));
    BOOST_TEST(c.inputs[1].in_family("mu_2_b"));
    BOOST_TEST(!c.inputs[1].in_family("mu_"));
    BOOST_TEST(!c.inputs[1].in_family("logvar_image"));
    BOOST_TEST(!c.inputs[1].in_family("mu_Image"));
    BOOST_TEST(c.inputs[2].optional);
    BOOST_TEST(c.inputs[2].shape == "[N]");
    BOOST_TEST(c.outputs.at(0).dtype == CHM_DTYPE_ANY);
}

BOOST_AUTO_TEST_CASE(malformed_ports_are_refused_naming_component_and_port) {
    const std::string prefix = "ports.so: malformed plugin descriptor: component 'ported', ";
    auto refused = [&](const std::function<void(Fixture&)>& spoil) {
        Fixture f;
        spoil(f);
        return f.refusal();
    };
    BOOST_TEST(has(refused([](Fixture& f) { f.inputs[2].name = "Mask"; }),
                   prefix + "input 'Mask': name is not a lower-case identifier, a family (mu_<m>) or {option}"));
    BOOST_TEST(has(refused([](Fixture& f) { f.inputs[1].name = "mu_<m"; }), prefix + "input 'mu_<m': a family name has one <part>"));
    BOOST_TEST(has(refused([](Fixture& f) { f.inputs[1].name = "mu_<a>_<b>"; }), "a family name has one <part>"));
    BOOST_TEST(has(refused([](Fixture& f) { f.inputs[0].name = "{condition}"; }),
                   prefix + "input '{condition}': '{condition}' names no string parameter of the component (its parameters: input)"));
    BOOST_TEST(has(refused([](Fixture& f) { f.outputs[0].shape = "[N, D"; }),
                   prefix + "output 'y': shape pattern '[N, D' is not enclosed in [ ]"));
    BOOST_TEST(has(refused([](Fixture& f) { f.inputs[2].doc = nullptr; }), prefix + "input 'mask': doc is NULL"));
    BOOST_TEST(has(refused([](Fixture& f) { f.outputs[0].dtype = 7; }), prefix + "output 'y': unknown dtype code 7"));
    BOOST_TEST(has(refused([](Fixture& f) { f.inputs[2].name = "mu_<m>"; }), "component 'ported': port 'mu_<m>' is declared twice"));
    BOOST_TEST(has(refused([](Fixture& f) { f.outputs[0].name = nullptr; }), prefix + "output #0: name is NULL"));
}

BOOST_AUTO_TEST_CASE(a_1_3_sized_component_is_read_without_ports) {
    Fixture f;
    f.component.struct_size = offsetof(chm_component_desc, input_count);  // what a 1.3 plugin declares
    f.inputs[0].name = "Not a port";  // never looked at
    const ComponentInfo c = f.read().components.at(0);
    BOOST_TEST(!c.declares_ports());
    BOOST_TEST(c.inputs.empty());
    Fixture none;
    none.inputs.clear();
    none.outputs.clear();
    BOOST_TEST(!none.read().components.at(0).declares_ports());
}

BOOST_AUTO_TEST_CASE(an_instance_resolves_option_ports_and_checks_each_call) {
    Fixture f;
    const ComponentInfo c = f.read().components.at(0);
    auto config = make_component_config(c, YAML::Load("{input: pixels}"), "p.yaml", "nodes.e.options");
    PortCheck ports(c, *config);
    BOOST_TEST(ports.input("pixels") != nullptr);
    BOOST_TEST(ports.input("x") == nullptr);
    BOOST_TEST(ports.input("mu_text") != nullptr);
    BOOST_TEST(ports.input("pixels")->label() == "pixels ({input})");

    Context ctx;
    const NamedTensors good{{"pixels", ctx.zeros(DType::f32, {4, 8})}, {"mu_text", ctx.zeros(DType::f32, {4, 8})}};
    BOOST_CHECK_NO_THROW(ports.check_inputs(good));
    BOOST_TEST(ports.check_outputs(good, {{"y", ctx.zeros(DType::i32, {4, 8})}}) == "");
    BOOST_TEST(has(ports.check_outputs(good, {{"y", ctx.zeros(DType::f32, {4, 8})}, {"z", ctx.zeros(DType::f32, {1})}}),
                   "wrote output 'z', which it does not declare (its outputs: y)"));
    BOOST_TEST(has(ports.check_outputs(good, {}), "did not write output 'y'"));
    try {
        ports.check_inputs({{"pixels", ctx.zeros(DType::f32, {4, 8})}, {"mu_text", ctx.zeros(DType::f32, {4, 6})}});
        BOOST_FAIL("a width mismatch passed");
    } catch (const PortError& e) {
        BOOST_TEST(std::string(e.what()) ==
                   "input 'mu_text' is f32[4, 6] but port mu_<m> is [N, D] with D = 8 bound by input 'pixels' f32[4, 8]");
        BOOST_TEST(e.key() == "mu_text");
        BOOST_TEST(e.bound_key() == "pixels");
    }
    try {
        ports.check_outputs(good, {{"y", ctx.zeros(DType::f32, {3, 8})}});
        BOOST_FAIL("an output of another batch passed");
    } catch (const PortError& e) {
        BOOST_TEST(std::string(e.what()) == "output 'y' is f32[3, 8] but port y is [N, D] with N = 4 bound by input 'pixels' f32[4, 8]");
        BOOST_TEST(e.output());
    }
    BOOST_CHECK_THROW(ports.check_inputs({{"mu_text", ctx.zeros(DType::f32, {4, 8})}}), PortError);  // pixels is required
    try {
        ports.check_inputs({{"pixels", ctx.zeros(DType::i32, {4, 8})}});
        BOOST_FAIL("an int32 input passed a float32 port");
    } catch (const PortError& e) {
        BOOST_TEST(std::string(e.what()) == "input 'pixels' is i32[4, 8] but port pixels ({input}) takes f32");
    }
    auto empty = make_component_config(c, YAML::Load("{input: ''}"), "p.yaml", "nodes.e.options");
    BOOST_TEST(PortCheck(c, *empty).input("") == nullptr);  // "{input}" with input "" is no port
    BOOST_TEST(PortCheck(c, *empty).inputs().size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
