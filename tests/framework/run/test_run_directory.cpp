// The run directory and the checkpoint's contents: the names of its files, starting over removes
// Chimera's files and keeps a user's, the key scheme of a model's tensors, a checkpoint written
// and read back, a node loaded from another run under its new name, and the record of the plugin
// libraries a run used.
#define BOOST_TEST_MODULE framework_run
#include <boost/test/unit_test.hpp>

#include "autograd/context.hpp"
#include "core/host_error.hpp"
#include "run/model_state.hpp"
#include "run/plugin_record.hpp"
#include "run/run_directory.hpp"

#include <algorithm>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace chimera;

namespace {

struct TempRun {
    RunDirectory run{fs::temp_directory_path() / ("chimera-run-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++))};
    TempRun() {
        fs::remove_all(run.path());
        run.create();
    }
    ~TempRun() { fs::remove_all(run.path()); }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

void touch(const fs::path& p) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "x";
}

std::vector<std::string> keys(const NamedTensors& tensors) {
    std::vector<std::string> out;
    for (const auto& [name, t] : tensors) out.push_back(name);
    return out;
}

std::vector<float> values(const Tensor& t) { return std::vector<float>(t.data<float>(), t.data<float>() + t.numel()); }

}  // namespace

BOOST_AUTO_TEST_CASE(every_file_has_its_name_in_the_run) {
    const RunDirectory run("runs/vae");
    BOOST_TEST(run.config() == fs::path("runs/vae/config.yaml"));
    BOOST_TEST(run.state() == fs::path("runs/vae/checkpoint.json"));
    BOOST_TEST(run.tensors(1234) == fs::path("runs/vae/checkpoint-000001234.safetensors"));
    BOOST_TEST(run.best() == fs::path("runs/vae/best.safetensors"));
    BOOST_TEST(run.metrics() == fs::path("runs/vae/metrics.jsonl"));
    BOOST_TEST(run.sample_grid(3) == fs::path("runs/vae/samples/epoch-003.png"));
    BOOST_TEST(run.data() == fs::path("runs/vae/data"));
    BOOST_TEST(run.plugins() == fs::path("runs/vae/plugins.json"));
    BOOST_TEST(run.evaluation("test") == fs::path("runs/vae/evaluation-test.json"));
    BOOST_TEST(run.output(RunOutput::generated) == fs::path("runs/vae/generated.png"));
    BOOST_TEST(run.output(RunOutput::interpolation) == fs::path("runs/vae/interpolation.png"));
    BOOST_TEST(run.output(RunOutput::reconstructions) == fs::path("runs/vae/reconstructions.png"));
    BOOST_TEST(RunDirectory::is_tensors_file("checkpoint-000000005.safetensors"));
    BOOST_TEST(!RunDirectory::is_tensors_file("checkpoint.json"));
    BOOST_TEST(!RunDirectory::is_tensors_file("checkpoint-000000005.safetensors.tmp-12"));
}

BOOST_AUTO_TEST_CASE(starting_over_removes_chimeras_files_and_keeps_the_users) {
    TempRun t;
    const RunDirectory& run = t.run;
    for (const fs::path& p : {run.config(), run.state(), run.tensors(7), run.best(), run.metrics(), run.sample_grid(1),
                              run.data() / "text_vocabulary.txt", run.evaluation("test"), run.plugins()})
        touch(p);
    const fs::path mine = run.path() / "notes.txt", picture = run.output(RunOutput::generated);
    touch(mine);
    touch(picture);
    BOOST_TEST(run.has_checkpoint());
    BOOST_TEST(!run.clear().empty());
    std::vector<std::string> left;
    for (const auto& entry : fs::directory_iterator(run.path())) left.push_back(entry.path().filename().string());
    std::sort(left.begin(), left.end());
    BOOST_TEST(left == (std::vector<std::string>{"generated.png", "notes.txt"}), boost::test_tools::per_element());
    BOOST_TEST(!run.has_checkpoint());
    BOOST_TEST(run.clear().empty());  // nothing of Chimera's is left
}

BOOST_AUTO_TEST_CASE(tensors_are_keyed_by_kind_and_full_name) {
    Context ctx(1, 3);
    ctx.parameters().create("encoder.fc.weight", {2, 2}, CHM_INIT_NORMAL, 0, 1);
    ctx.parameters().create("decoder.fc.weight", {2, 2}, CHM_INIT_NORMAL, 0, 1);
    ctx.parameters().create_buffer("encoder.bn.running_mean", {2}, CHM_INIT_ZEROS, 0, 0);
    BOOST_TEST(keys(model_tensors(ctx.parameters())) ==
                   (std::vector<std::string>{"param/encoder.fc.weight", "param/decoder.fc.weight", "buffer/encoder.bn.running_mean"}),
               boost::test_tools::per_element());
    BOOST_TEST(keys(model_tensors(ctx.parameters(), {"encoder"})) == (std::vector<std::string>{"param/decoder.fc.weight"}),
               boost::test_tools::per_element());
    const Tensor m = ctx.zeros(DType::f32, {2});
    const NamedTensors saved = optimizer_tensors("adam", {{"m.encoder.fc.weight", m}});
    BOOST_TEST(keys(saved) == (std::vector<std::string>{"optimizer/adam/m.encoder.fc.weight"}), boost::test_tools::per_element());
    BOOST_TEST(keys(optimizer_state(saved, "adam")) == (std::vector<std::string>{"m.encoder.fc.weight"}), boost::test_tools::per_element());
    BOOST_TEST(optimizer_state(saved, "sgd").empty());
}

BOOST_AUTO_TEST_CASE(a_checkpoint_reads_back_and_keeps_only_its_own_tensor_file) {
    TempRun t;
    Context ctx(1, 5);
    Tensor w = ctx.parameters().create("net.w", {3}, CHM_INIT_NORMAL, 0, 1);
    RunState state;
    state.step = 4;
    state.optimizer_steps = {4};
    state.config_hash = "abc";
    save_checkpoint(t.run, state, model_tensors(ctx.parameters()));
    state.step = 9;
    save_checkpoint(t.run, state, model_tensors(ctx.parameters()));
    BOOST_TEST(!fs::exists(t.run.tensors(4)));  // no longer named by the state
    BOOST_TEST(fs::exists(t.run.tensors(9)));
    const Checkpoint c = load_checkpoint(t.run, ctx.device().pool());
    BOOST_TEST(c.state.step == 9);
    BOOST_TEST(c.state.config_hash == "abc");
    BOOST_TEST(c.file == t.run.state());
    BOOST_TEST_REQUIRE(c.tensors.tensors.size() == 1u);
    BOOST_TEST(values(c.tensors.tensors[0].second) == values(w), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_node_loads_from_another_run_under_its_own_name) {
    TempRun t;
    Context source(1, 1);
    Tensor trained = source.parameters().create("classifier.fc.weight", {2, 3}, CHM_INIT_NORMAL, 0, 1);
    source.parameters().create("other.fc.weight", {2, 3}, CHM_INIT_NORMAL, 0, 1);
    RunState state;
    save_checkpoint(t.run, state, model_tensors(source.parameters()));

    Context target(1, 2);
    Tensor judge = target.parameters().create("judge:image.fc.weight", {2, 3}, CHM_INIT_ZEROS, 0, 0);
    Tensor untouched = target.parameters().create("encoder.fc.weight", {2, 3}, CHM_INIT_ZEROS, 0, 0);
    load_node(t.run, "classifier", "judge:image", target.parameters(), target.device().pool());
    BOOST_TEST(values(judge) == values(trained), boost::test_tools::per_element());
    BOOST_TEST(values(untouched) == std::vector<float>(6, 0.0f), boost::test_tools::per_element());
    BOOST_CHECK_THROW(load_node(t.run, "missing", "encoder", target.parameters(), target.device().pool()), DataError);
    target.parameters().create("small.fc.weight", {3}, CHM_INIT_ZEROS, 0, 0);  // the source is [2, 3]
    BOOST_CHECK_THROW(load_node(t.run, "classifier", "small", target.parameters(), target.device().pool()), DataError);
}

BOOST_AUTO_TEST_CASE(the_plugin_record_reads_back_and_a_run_without_one_has_none) {
    TempRun t;
    BOOST_TEST(load_plugin_record(t.run).empty());  // runs made before records were kept
    const fs::path library = t.run.path() / "lib.so";
    { std::ofstream make_it(library); }
    const std::string empty_hash = library_hash(library);
    BOOST_TEST(empty_hash == "fnv1a64:cbf29ce484222325");  // FNV-1a's offset basis: no bytes hashed
    { std::ofstream(library) << "a"; }
    BOOST_TEST(library_hash(library) == "fnv1a64:af63dc4c8601ec8c");  // FNV-1a 64 of "a"
    save_plugin_record(t.run, {{"mine", "1.2.0", library, library_hash(library), {"encoder/resmlp", "loss/charbonnier"}}});
    const std::vector<UsedLibrary> back = load_plugin_record(t.run);
    BOOST_TEST_REQUIRE(back.size() == 1u);
    BOOST_TEST(back[0].name == "mine");
    BOOST_TEST(back[0].version == "1.2.0");
    BOOST_TEST(back[0].file == library);
    BOOST_TEST(back[0].hash == "fnv1a64:af63dc4c8601ec8c");
    BOOST_TEST(back[0].components == (std::vector<std::string>{"encoder/resmlp", "loss/charbonnier"}), boost::test_tools::per_element());
    { std::ofstream(t.run.plugins()) << "[{\"library\": 3}]"; }
    try {
        load_plugin_record(t.run);
        BOOST_FAIL("a malformed record must be refused");
    } catch (const DataError& e) {
        BOOST_TEST(std::string(e.what()).rfind(t.run.plugins().string() + ": not a readable plugin record", 0) == 0u, e.what());
    }
}
