// Test plugin on the C++ wrapper. `probe` declares a parameter of every type, reads them all
// through chimera::Config and logs what it read, so a test can check the whole look-up path.
// The other components fail on purpose, each in a different way, to show that no failure
// inside a plugin crashes the host and that every message reaches the user.
#include <chimera/chimera.hpp>

#include <sstream>
#include <stdexcept>

namespace {

template <class T>
std::string show(const std::vector<T>& items) {
    std::ostringstream s;
    s << '[';
    for (std::size_t i = 0; i < items.size(); ++i) s << (i ? "," : "") << items[i];
    return s.str() + ']';
}

class Probe : public chimera::Encoder {
public:
    static chimera::Description describe() {
        using chimera::Param;
        return {"probe", "2.0.1", "Reads one parameter of every type and logs them",
                {Param::boolean("flag", true, "a boolean"),
                 Param::integer("count", 3, "an integer").range(0, 10),
                 Param::real("rate", 0.5, "a number").min(0),
                 Param::string("mode", "fast", "a choice").choices({"fast", "slow"}),
                 Param::int_list("sizes", {1, 2}, "integers"),
                 Param::float_list("weights", {0.25}, "numbers"),
                 Param::string_list("names", {"a", "b"}, "strings"),
                 Param::node("blocks", "[{width: 4}, {width: 8}]", "a subtree"),
                 Param::string("prefix", "", "empty by default"),
                 Param::string_list("tags", {"label: int", "null", "#x", " pad"}, "strings YAML would misread")}};
    }
    Probe(chimera::Host host, const chimera::Config& c) : chimera::Encoder(host) {
        std::ostringstream s;
        chimera::Config blocks = c.child("blocks");
        s << "flag=" << c.get<bool>("flag") << " count=" << c.get<int>("count")
          << " rate=" << c.get<double>("rate") << " mode=" << c.get<std::string>("mode")
          << " sizes=" << show(c.get<std::vector<int64_t>>("sizes"))
          << " weights=" << show(c.get<std::vector<double>>("weights"))
          << " names=" << show(c.get<std::vector<std::string>>("names"))
          << " blocks=" << blocks.size() << " width1=" << blocks[1].get<int64_t>("width")
          << " where(count)=" << c.where("count") << " prefix='" << c.get<std::string>("prefix") << "'"
          << " tags=" << show(c.get<std::vector<std::string>>("tags"));
        host.info(s.str());
    }
    void forward(const chimera::Inputs& in, chimera::Outputs& out) override { out.set("y", in["x"]); }
};

// Losses that fail in create never reach forward; they still must define one.
class FailingLoss : public chimera::Loss {
public:
    using chimera::Loss::Loss;
    void forward(const chimera::Inputs&, chimera::Outputs&) override {}
};

class ThrowsStd : public FailingLoss {
public:
    static chimera::Description describe() { return {"throws_std", "1.0.0", "Throws std::runtime_error", {}}; }
    ThrowsStd(chimera::Host h, const chimera::Config&) : FailingLoss(h) {
        throw std::runtime_error("boom from std::runtime_error");
    }
};

class ThrowsError : public FailingLoss {
public:
    static chimera::Description describe() {
        return {"throws_error", "1.0.0", "Throws chimera::Error naming the YAML place",
                {chimera::Param::integer("limit", 1, "any value is refused")}};
    }
    ThrowsError(chimera::Host h, const chimera::Config& c) : FailingLoss(h) {
        throw chimera::Error(c.where("limit") + ": limit is refused", CHM_ERR_INVALID_ARGUMENT);
    }
};

class ThrowsUnknown : public FailingLoss {
public:
    static chimera::Description describe() { return {"throws_unknown", "1.0.0", "Throws an int", {}}; }
    ThrowsUnknown(chimera::Host h, const chimera::Config&) : FailingLoss(h) { throw 42; }
};

class BadLookup : public FailingLoss {
public:
    static chimera::Description describe() { return {"bad_lookup", "1.0.0", "Reads an undeclared key", {}}; }
    BadLookup(chimera::Host h, const chimera::Config& c) : FailingLoss(h) {
        c.get<int64_t>("undeclared");
    }
};

// Mean squared error that throws from its forward on call `after` + 1: a plugin failing while
// a run trains.
class FailsAfter : public chimera::Loss {
public:
    static chimera::Description describe() {
        return {"fails_after", "1.0.0", "Mean squared error that throws on call after + 1",
                {chimera::Param::integer("after", 3, "calls that succeed").min(0)}};
    }
    FailsAfter(chimera::Host h, const chimera::Config& c) : chimera::Loss(h), after_(c.get<int64_t>("after")) {}
    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        if (calls_++ == after_) throw chimera::Error("refusing call " + std::to_string(calls_), CHM_ERR_RUNTIME);
        out.set("loss", chimera::ops::mean(chimera::ops::square(chimera::ops::sub(in["x"], in["target"]))));
    }

private:
    int64_t after_, calls_ = 0;
};

// A loss that returns its input, not a scalar: the host must say what it produced.
class WrongOutput : public chimera::Loss {
public:
    static chimera::Description describe() { return {"wrong_output", "1.0.0", "Returns its input x as 'loss'", {}}; }
    WrongOutput(chimera::Host h, const chimera::Config&) : chimera::Loss(h) {}
    void forward(const chimera::Inputs& in, chimera::Outputs& out) override { out.set("loss", in["x"]); }
};

// A loss that asks for a version of `linear` from a future op set, as a plugin built against a
// newer SDK would: the host must refuse it with a message, not compute version 1.
class FutureOp : public chimera::Loss {
public:
    static chimera::Description describe() { return {"future_op", "1.0.0", "Asks for linear version 99", {}}; }
    FutureOp(chimera::Host h, const chimera::Config&) : chimera::Loss(h) {}
    void forward(const chimera::Inputs&, chimera::Outputs&) override {
        const chm_host* h = host().raw();
        const chm_op* op = nullptr;
        host().check(h->op_find_version(h, "linear", 99, &op));
    }
};

}  // namespace

CHIMERA_PLUGIN("probe_plugin", "2.0.0", "Test plugin on the C++ wrapper", Probe, ThrowsStd,
               ThrowsError, ThrowsUnknown, BadLookup, FailsAfter, WrongOutput, FutureOp)
