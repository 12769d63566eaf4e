// The Python module `chimera` (pybind11): `chimera.Run` over a trained run directory (generate,
// encode, reconstruct, evaluate, config), `chimera.train`, and the host's error classes as
// exceptions under `chimera.Error`. NumPy data is copied in before the GIL is released and the
// results copied out after; the host computes without it. Not a second implementation of
// anything: python_run.cpp calls what the CLI calls.
#include "python_run.hpp"
#include "python_values.hpp"

#include "core/host_error.hpp"
#include "plugin/port_check.hpp"
#include "tensor/shape_error.hpp"

#include <pybind11/stl.h>

#include <filesystem>
#include <optional>

namespace py = pybind11;
using namespace pybind11::literals;

namespace chimera::python {

namespace {

// The module's exception classes, made once at import and alive as long as the interpreter.
struct ErrorClasses {
    PyObject *error, *usage, *config, *shape, *port, *plugin, *data, *diverged;
};
ErrorClasses errors;

PyObject* add_error(py::module_& m, const char* name, PyObject* bases, const char* doc) {
    PyObject* type = PyErr_NewExceptionWithDoc((std::string("chimera.") + name).c_str(), doc, bases, nullptr);
    if (!type) throw py::error_already_set();
    m.add_object(name, py::handle(type));
    return type;
}

void add_errors(py::module_& m) {
    errors.error = add_error(m, "Error", PyExc_RuntimeError, "What every error of the Chimera host raises.");
    errors.usage = add_error(m, "UsageError", errors.error, "A request that cannot be done as asked (an argument, an override).");
    errors.config = add_error(m, "ConfigError", errors.error, "Something wrong in a pipeline file, at a place in it.");
    // A ShapeError is also a ValueError: bad arrays are what it reports here.
    py::tuple shape_bases = py::make_tuple(py::handle(errors.error), py::handle(PyExc_ValueError));
    errors.shape = add_error(m, "ShapeError", shape_bases.ptr(), "A tensor or array of a shape or dtype that does not fit.");
    errors.port = add_error(m, "PortError", errors.shape, "A tensor that does not fit a component's port.");
    errors.plugin = add_error(m, "PluginError", errors.error, "A plugin that would not load, describe itself or run.");
    errors.data = add_error(m, "DataError", errors.error, "Data, a checkpoint or a run directory that cannot be read or written.");
    errors.diverged = add_error(m, "DivergedError", errors.error, "Training stopped because a loss was not finite.");
    // The most derived class first. Anything that is not a HostError is pybind11's to translate.
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const PortError& e) {
            PyErr_SetString(errors.port, e.what());
        } catch (const ShapeError& e) {
            PyErr_SetString(errors.shape, e.what());
        } catch (const UsageError& e) {
            PyErr_SetString(errors.usage, e.what());
        } catch (const ConfigError& e) {
            PyErr_SetString(errors.config, e.what());
        } catch (const PluginError& e) {
            PyErr_SetString(errors.plugin, e.what());
        } catch (const DataError& e) {
            PyErr_SetString(errors.data, e.what());
        } catch (const DivergedError& e) {
            PyErr_SetString(errors.diverged, e.what());
        } catch (const HostError& e) {
            PyErr_SetString(errors.error, e.what());
        }
    });
}

// The keyword arguments every opening and training shares, as SessionOptions.
SessionOptions session_options(std::optional<int> threads, const std::vector<std::string>& plugin_path, bool builtin_plugins,
                               bool verbose, const py::dict& overrides) {
    SessionOptions o;
    if (threads) {
        if (*threads < 1) throw UsageError("threads must be a positive integer, not " + std::to_string(*threads));
        o.threads = *threads;
    }
    o.plugin_paths = plugin_path;
    o.builtin_plugins = builtin_plugins;
    o.verbose = verbose;
    for (const auto& [key, value] : overrides) o.overrides.push_back(py::str(key).cast<std::string>() + "=" + override_text(value));
    return o;
}

// A str, bytes or os.PathLike path as text (bytes decoded as the file system does).
std::string path_text(const py::handle& path) { return py::str(py::module_::import("os").attr("fsdecode")(path)); }

// Runs `compute` without the GIL: other Python threads go on while the host computes.
template <class F>
auto without_gil(F&& compute) {
    py::gil_scoped_release released;
    return compute();
}

py::dict metrics_dict(const Metrics& metrics) {
    py::dict out;
    for (const auto& [name, value] : metrics) out[py::str(name)] = value;
    return out;
}

std::unique_ptr<PythonRun> open_run(const py::handle& dir, std::optional<int> threads, const std::vector<std::string>& plugin_path,
                                    bool builtin_plugins, bool verbose, const py::dict& overrides) {
    const std::string path = path_text(dir);
    const SessionOptions o = session_options(threads, plugin_path, builtin_plugins, verbose, overrides);
    return without_gil([&] { return std::make_unique<PythonRun>(path, o); });
}

// encode or reconstruct (`compute`) on a NumPy array of images, with their labels.
using ImagesCall = Values (PythonRun::*)(const float*, const Shape&, uint64_t, const std::vector<int32_t>&);
template <ImagesCall compute>
py::array_t<float> on_images(PythonRun& run, const py::handle& images, uint64_t seed, const py::handle& labels) {
    // Without the GIL: another thread may hold the run's lock while it computes.
    const Shape one = without_gil([&] { return run.example_shape(); });
    const auto array = examples_array(images, one, "images");
    const Shape shape(array.shape(), array.shape() + array.ndim());
    // Copied while the GIL is held: without it, another Python thread could change the array.
    const std::vector<float> data(array.data(), array.data() + array.size());
    const std::vector<int32_t> classes = labels_of(labels);
    return array_of(without_gil([&] { return (run.*compute)(data.data(), shape, seed, classes); }));
}

std::unique_ptr<PythonRun> train_run(const py::handle& config, const py::object& out, const py::dict& overrides, std::optional<int> threads,
                                 std::optional<uint64_t> seed, bool overwrite, bool resume, const std::vector<std::string>& plugin_path,
                                 bool builtin_plugins, bool verbose) {
    const std::string file = path_text(config);
    // As chimera train: runs/<the file's name> unless told.
    const std::string dir = out.is_none() ? (std::filesystem::path("runs") / std::filesystem::path(file).stem()).string() : path_text(out);
    const SessionOptions o = session_options(threads, plugin_path, builtin_plugins, verbose, overrides);
    std::vector<std::string> extra;
    if (seed) extra.push_back("--seed=" + std::to_string(*seed));
    if (overwrite) extra.push_back("--overwrite");
    if (resume) extra.push_back("--resume");
    return without_gil([&] {
        python::train(file, dir, o, extra);
        SessionOptions reopen = o;
        reopen.overrides.clear();  // the run's resolved pipeline holds them now
        return std::make_unique<PythonRun>(dir, reopen);
    });
}

}  // namespace

}  // namespace chimera::python

PYBIND11_MODULE(chimera, m) {
    using namespace chimera;
    using namespace chimera::python;
    m.doc() = "Chimera: open trained runs (chimera.Run), sample, encode, reconstruct and evaluate them; train pipelines (chimera.train).";
    add_errors(m);
    m.attr("__version__") = CHIMERA_VERSION;

    py::class_<PythonRun>(m, "Run", "A trained run directory of chimera train, opened as the CLI's commands open it.")
        .def(py::init(&open_run), "directory"_a, py::kw_only(), "threads"_a = py::none(), "plugin_path"_a = std::vector<std::string>{},
             "builtin_plugins"_a = true, "verbose"_a = false, "overrides"_a = py::dict(),
             "Opens a run directory. threads: as --threads; plugin_path: directories or libraries searched first; overrides: "
             "{key: value} applied to the run's pipeline, as --set. Raises chimera.DataError when it is not a run.")
        .def_property_readonly("directory", &PythonRun::directory)
        .def_property_readonly("config", [](const PythonRun& r) { return python_of(r.config()); },
                               "The run's resolved pipeline as dicts, lists and scalars (a new copy on each access).")
        .def(
            "generate",
            [](PythonRun& r, int64_t n, uint64_t seed, std::optional<int64_t> label) {
                return array_of(without_gil([&] { return r.generate(n, seed, label); }));
            },
            "n"_a = 64, py::kw_only(), "seed"_a = 0, "label"_a = py::none(),
            "n images from the prior: float32 [n, C, H, W] in the drawing range. A conditional model draws class `label`, "
            "or without one a row of ceil(n / classes) per class.")
        .def("encode", &on_images<&PythonRun::encode>, "images"_a, py::kw_only(), "seed"_a = 0, "labels"_a = py::none(),
             "The posterior means of images (float [N, ...] shaped as the data field): float32 [N, latent]. "
             "A conditional model needs each image's class in labels.")
        .def("reconstruct", &on_images<&PythonRun::reconstruct>, "images"_a, py::kw_only(), "seed"_a = 0, "labels"_a = py::none(),
             "Reconstructions of images, shaped like them, in the drawing range.")
        .def(
            "evaluate",
            [](PythonRun& r, const std::string& split, std::optional<uint64_t> seed) {
                return metrics_dict(without_gil([&] { return r.evaluate(split, seed); }));
            },
            "split"_a = "test", py::kw_only(), "seed"_a = py::none(),
            "The losses on a split (test, validation or train), mean per example, 'total' included: what chimera evaluate reports.")
        .def("__repr__", [](const PythonRun& r) { return "chimera.Run(" + std::string(py::repr(py::str(r.directory()))) + ")"; });

    m.def("train", &train_run, "config"_a, py::kw_only(), "out"_a = py::none(), "overrides"_a = py::dict(), "threads"_a = py::none(),
          "seed"_a = py::none(), "overwrite"_a = false, "resume"_a = false, "plugin_path"_a = std::vector<std::string>{},
          "builtin_plugins"_a = true, "verbose"_a = false,
          "Trains a pipeline file into a run directory as chimera train CONFIG --out OUT --set KEY=VALUE ... does, and opens it: "
          "a chimera.Run. out defaults to runs/<the file's name>.");
}
