// What a plugin's entry returns: the library, component, parameter and port descriptors the host
// checks before it trusts any of them (names, versions, kinds, struct sizes of older and newer
// ABIs, parameter defaults and choices parsed as YAML, port shape patterns). The fuzzer's bytes
// are decoded into descriptors laid out as a plugin would lay them out in its own memory; only
// what a plugin cannot lie about (that its pointers point at as many bytes as its struct_size
// says) is kept true. Refusals are PluginError.
#include "fuzz_support.hpp"

#include "core/host_error.hpp"
#include "plugin/descriptor_reader.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstring>
#include <deque>
#include <vector>

namespace {

chm_status create_nothing(const chm_host*, const chm_config*, void**) { return 1; }
void destroy_nothing(void*) {}
void shutdown_nothing() {}

// Keeps every string and buffer of one input alive while the host reads them.
struct Arena {
    std::deque<std::string> strings;
    std::deque<std::vector<unsigned char>> buffers;

    const char* text(FuzzedDataProvider& in) {
        if (in.ConsumeIntegralInRange<int>(0, 15) == 0) return nullptr;
        strings.push_back(in.ConsumeRandomLengthString(40));
        return strings.back().c_str();
    }
    unsigned char* bytes(std::size_t n) {
        buffers.emplace_back(n + 64, 0);  // slack: a struct_size just past the fields is legal
        return buffers.back().data();
    }
};

// A struct size: mostly the SDK's own, sometimes an older ABI's end, a newer (larger) one, or any.
template <typename T>
uint32_t struct_size(FuzzedDataProvider& in, std::initializer_list<std::size_t> older) {
    switch (in.ConsumeIntegralInRange<int>(0, 7)) {
    case 0: return in.ConsumeIntegralInRange<uint32_t>(0, sizeof(T));
    case 1: return static_cast<uint32_t>(sizeof(T) + 8 * in.ConsumeIntegralInRange<int>(1, 4));
    case 2:
        if (older.size()) return static_cast<uint32_t>(*(older.begin() + in.ConsumeIntegralInRange<std::size_t>(0, older.size() - 1)));
        [[fallthrough]];
    default: return sizeof(T);
    }
}

// `count` elements of T stepped by `stride` bytes (the first element's struct_size when it is
// at least sizeof(T)), each filled by `fill`.
template <typename T, typename Fill>
const T* array(Arena& arena, uint32_t count, uint32_t stride, Fill fill) {
    if (count == 0) return nullptr;
    const std::size_t step = std::max<std::size_t>(stride, sizeof(T));
    unsigned char* base = arena.bytes(step * count);
    for (uint32_t i = 0; i < count; ++i) {
        T d{};
        fill(d);
        d.struct_size = i == 0 ? stride : d.struct_size;
        std::memcpy(base + i * step, &d, sizeof(T));
    }
    return reinterpret_cast<const T*>(base);
}

const void* methods(Arena& arena, FuzzedDataProvider& in) {
    if (in.ConsumeBool()) return nullptr;
    constexpr std::size_t slots = 24;
    auto* base = arena.bytes(8 + slots * sizeof(void*));
    const uint32_t size = in.ConsumeIntegralInRange<uint32_t>(0, 8 + slots * sizeof(void*));
    std::memcpy(base, &size, sizeof size);
    for (std::size_t i = 0; i < slots; ++i) {
        void (*f)(void*) = in.ConsumeBool() ? destroy_nothing : nullptr;
        std::memcpy(base + 8 + i * sizeof(void*), &f, sizeof f);
    }
    return base;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    Arena arena;
    std::vector<const chm_component_desc*> components;
    const uint32_t component_count = in.ConsumeIntegralInRange<uint32_t>(0, 4);
    for (uint32_t k = 0; k < component_count; ++k) {
        auto* c = reinterpret_cast<chm_component_desc*>(arena.bytes(sizeof(chm_component_desc)));
        c->struct_size = struct_size<chm_component_desc>(in, {offsetof(chm_component_desc, methods),
                                                              offsetof(chm_component_desc, input_count)});
        c->kind = in.ConsumeIntegralInRange<chm_kind>(0, 6);
        c->name = arena.text(in);
        c->version = arena.text(in);
        c->description = arena.text(in);
        c->param_count = in.ConsumeIntegralInRange<uint32_t>(0, 5);
        c->params = array<chm_param_desc>(arena, c->param_count, struct_size<chm_param_desc>(in, {}), [&](chm_param_desc& p) {
            p.struct_size = sizeof p;
            p.type = in.ConsumeIntegralInRange<chm_param_type>(0, 9);
            p.flags = in.ConsumeIntegralInRange<uint32_t>(0, 4);
            p.min_value = in.ConsumeFloatingPoint<double>();
            p.max_value = in.ConsumeFloatingPoint<double>();
            p.name = arena.text(in);
            p.default_value = arena.text(in);
            p.doc = arena.text(in);
            p.choices = arena.text(in);
        });
        c->create = in.ConsumeIntegralInRange<int>(0, 7) ? create_nothing : nullptr;
        c->destroy = in.ConsumeIntegralInRange<int>(0, 7) ? destroy_nothing : nullptr;
        c->methods = methods(arena, in);
        auto port = [&](chm_port_desc& p) {
            p.struct_size = sizeof p;
            p.dtype = in.ConsumeIntegralInRange<chm_dtype>(0, 3);
            p.flags = in.ConsumeIntegralInRange<uint32_t>(0, 2);
            p.name = arena.text(in);
            p.shape = arena.text(in);
            p.doc = arena.text(in);
        };
        c->input_count = in.ConsumeIntegralInRange<uint32_t>(0, 4);
        c->inputs = array<chm_port_desc>(arena, c->input_count, struct_size<chm_port_desc>(in, {}), port);
        c->output_count = in.ConsumeIntegralInRange<uint32_t>(0, 3);
        c->outputs = array<chm_port_desc>(arena, c->output_count, struct_size<chm_port_desc>(in, {}), port);
        components.push_back(in.ConsumeIntegralInRange<int>(0, 15) ? c : nullptr);
    }
    chm_library_desc lib{};
    lib.struct_size = struct_size<chm_library_desc>(in, {offsetof(chm_library_desc, opset_version)});
    lib.abi_major = in.ConsumeIntegralInRange<int>(0, 7) ? CHM_ABI_VERSION_MAJOR : in.ConsumeIntegral<uint32_t>();
    lib.abi_minor = in.ConsumeIntegralInRange<uint32_t>(0, CHM_ABI_VERSION_MINOR + 1);
    lib.component_count = static_cast<uint32_t>(components.size());
    lib.name = arena.text(in);
    lib.version = arena.text(in);
    lib.description = arena.text(in);
    lib.components = components.empty() ? nullptr : components.data();
    lib.shutdown = in.ConsumeBool() ? shutdown_nothing : nullptr;
    lib.opset_version = in.ConsumeIntegralInRange<uint32_t>(0, 4);
    CHIMERA_FUZZ_EXPECT(chimera::PluginError, (void)chimera::read_library_descriptor(&lib, "fuzzed.so"));
    return 0;
}
