/* Chimera plugin ABI: the only contract between the host (`chimera`) and a plugin library.
 *
 * Plain C that compiles as C11 and as C++17. It holds no STL, no C++ classes, no exceptions and
 * no enums as field types, so a plugin built by any compiler and standard library can load into
 * any host that speaks the same ABI major version and the same or a newer minor version.
 * It is not a convenience layer: C++ plugins use <chimera/chimera.hpp>, which wraps this header.
 *
 * Reading guide
 *   - A plugin library exports exactly one symbol, `chm_plugin_entry` (CHM_ENTRY_SYMBOL).
 *   - The host calls it once, handing over its function table (`chm_host`); the plugin returns
 *     a `chm_library_desc` describing itself and its components.
 *   - Each component (`chm_component_desc`) declares its kind, name, version, a one-line
 *     description and a parameter schema (`chm_param_desc`), and creates instances from a
 *     configuration the host has already validated against that schema.
 *   - (ABI 1.4) A component also declares its ports: the inputs it reads and the outputs it
 *     writes (`chm_port_desc`), so the host checks a pipeline's wiring and shapes against them.
 *   - Plugins compute with the host's ops, found by name and op version and called with named
 *     attributes (ABI 1.4); <chimera/opset.h> lists the op set with its versions.
 *
 * Compatibility rules
 *   - Every struct that crosses the boundary begins with `uint32_t struct_size` and only ever
 *     grows at its end. A reader never touches a member that lies beyond the struct_size the
 *     writer declared. Each released version is fenced by a comment and a static assertion on
 *     the offset of its last member.
 *   - Major version: any incompatible change. The host refuses a plugin whose major differs.
 *   - Minor version: members appended. The host refuses a plugin whose minor is newer than its
 *     own (the plugin may call functions the host lacks); older minors load.
 *
 * Ownership rules
 *   - Everything a plugin describes (library, components, parameters, the strings in them) is
 *     owned by the plugin and must stay valid and unchanged until the library is unloaded.
 *   - Everything the host hands out (the `chm_host` table, configuration handles, strings it
 *     returns) is owned by the host; each function says for how long it stays valid.
 *   - Instances are created by the component's `create` and released by its `destroy`; the host
 *     never frees plugin memory and the plugin never frees host memory.
 *
 * Threads and phases, used in every contract below
 *   [setup]       called by the host while it loads libraries or builds a pipeline; never
 *                 concurrently with another call into the same library.
 *   [any-thread]  may be called from any thread at any time while the library is loaded.
 *
 * Errors
 *   - Functions that can fail return `chm_status`; CHM_OK (0) is success. A failed call leaves
 *     its outputs untouched.
 *   - A plugin that fails records why with `host->set_error` and returns the status; the host
 *     shows the message naming the plugin and component. Release functions return void and
 *     accept NULL.
 */
#ifndef CHIMERA_ABI_H
#define CHIMERA_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Versions and the entry symbol
 * ------------------------------------------------------------------------------------------- */

#define CHM_ABI_VERSION_MAJOR 1
#define CHM_ABI_VERSION_MINOR 4

/* The one symbol a plugin library exports, and its type. */
#define CHM_ENTRY_SYMBOL "chm_plugin_entry"

#if defined(_WIN32)
#define CHM_EXPORT __declspec(dllexport)
#else
#define CHM_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
#define CHM_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define CHM_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* ---------------------------------------------------------------------------------------------
 * Codes. Each is an int32_t typedef with CHM_ constants, never an enum field, so its size is
 * fixed and new values can be added by any minor version. A reader treats an unknown value as
 * "not supported" rather than as an error in its own logic.
 * ------------------------------------------------------------------------------------------- */

/* Status of a call. */
typedef int32_t chm_status;
#define CHM_OK                   0
#define CHM_ERR_INVALID_ARGUMENT 1 /* a value the callee cannot accept (NULL, out of range...) */
#define CHM_ERR_NOT_FOUND        2 /* a named thing (config key, component) does not exist */
#define CHM_ERR_TYPE             3 /* a value exists but has another type than the one asked */
#define CHM_ERR_OUT_OF_MEMORY    4
#define CHM_ERR_UNSUPPORTED      5 /* valid request this side cannot honour (e.g. newer ABI) */
#define CHM_ERR_IO               6 /* a file or stream failed */
#define CHM_ERR_RUNTIME          7 /* any other failure; the message says what */

/* Kind of a component. Room for more kinds: a host skips a component whose kind it does not
 * know, with a warning, and loads the rest of the library. */
typedef int32_t chm_kind;
#define CHM_KIND_LOADER    1 /* random-access dataset of named fields */
#define CHM_KIND_ENCODER   2 /* module mapping named tensors to named tensors (also critics) */
#define CHM_KIND_GENERATOR 3 /* module mapping latents (and conditions) to data */
#define CHM_KIND_LOSS      4 /* named tensors to a scalar */
#define CHM_KIND_OPTIMIZER 5 /* updates a parameter group; its state is checkpointed */

/* Type of a declared parameter. Values in configuration files are YAML. */
typedef int32_t chm_param_type;
#define CHM_PARAM_BOOL        1 /* true / false */
#define CHM_PARAM_INT         2 /* 64-bit signed integer */
#define CHM_PARAM_FLOAT       3 /* double; integers are accepted */
#define CHM_PARAM_STRING      4 /* UTF-8 text; `choices` may restrict it */
#define CHM_PARAM_INT_LIST    5 /* sequence of integers */
#define CHM_PARAM_FLOAT_LIST  6 /* sequence of numbers */
#define CHM_PARAM_STRING_LIST 7 /* sequence of strings; `choices` restricts each element */
#define CHM_PARAM_NODE        8 /* any YAML subtree the component validates itself (block lists) */

/* Flags of a declared parameter (bitwise or). */
#define CHM_PARAM_HAS_MIN 0x1u /* `min_value` applies (to the number, or to each list element) */
#define CHM_PARAM_HAS_MAX 0x2u /* `max_value` applies, likewise */

/* Flags of a declared port (bitwise or). (ABI 1.4) */
#define CHM_PORT_OPTIONAL 0x1u /* an input the component can do without, or an output it writes
                                  only in some configurations */

/* Severity of a log message. */
typedef int32_t chm_log_level;
#define CHM_LOG_DEBUG   0
#define CHM_LOG_INFO    1
#define CHM_LOG_WARNING 2
#define CHM_LOG_ERROR   3

/* Element type of a tensor. (ABI 1.1) */
typedef int32_t chm_dtype;
#define CHM_DTYPE_F32 1 /* float32: activations, parameters */
#define CHM_DTYPE_I32 2 /* int32: tokens, labels, indices */
#define CHM_DTYPE_ANY 0 /* (ABI 1.4, in port declarations only) either type */

/* Initialiser of a parameter, with its two arguments `a` and `b`. Fans follow PyTorch: for a
 * shape [d0, d1, k...], fan_in = d1 * prod(k) and fan_out = d0 * prod(k). (ABI 1.1) */
typedef int32_t chm_init;
#define CHM_INIT_ZEROS          1 /* 0 */
#define CHM_INIT_CONSTANT       2 /* a */
#define CHM_INIT_UNIFORM        3 /* U(a, b) */
#define CHM_INIT_NORMAL         4 /* N(mean a, std b) */
#define CHM_INIT_XAVIER_UNIFORM 5 /* U(-r, r), r = a * sqrt(6 / (fan_in + fan_out)); a = gain */
#define CHM_INIT_XAVIER_NORMAL  6 /* N(0, a * sqrt(2 / (fan_in + fan_out))); a = gain */
#define CHM_INIT_KAIMING_UNIFORM 7 /* U(-r, r), r = sqrt(6 / ((1 + a^2) fan_in)); a = leaky slope */
#define CHM_INIT_KAIMING_NORMAL 8 /* N(0, sqrt(2 / ((1 + a^2) fan_in))); a = leaky slope */

/* Most dimensions a tensor may have. */
#define CHM_MAX_RANK 8

/* ---------------------------------------------------------------------------------------------
 * Opaque handles owned by the host
 * ------------------------------------------------------------------------------------------- */

/* A node of a component's configuration: a map (the component's own options), a list, or a
 * scalar. Valid until the call it was handed to (`create`) returns, unless a function below says
 * otherwise; a plugin copies out what it keeps. */
typedef struct chm_config chm_config;

/* A reference to a host-owned tensor (ABI 1.1). Every handle a host function hands out is one
 * reference, owned by the plugin until it passes it to `tensor_release`; the tensor lives while
 * any reference (the plugin's or the host's own) does. Handles are not shared across threads. */
typedef struct chm_tensor chm_tensor;

/* An operation of the host's op set, found by name with `op_find` (ABI 1.1). Owned by the host,
 * valid while the compute context it was found in is attached: within the create or forward
 * call that found it. Look ops up in each call rather than keeping handles. */
typedef struct chm_op chm_op;

/* Where a module's `forward` puts its results, filled with `output_set` (ABI 1.1). Owned by the
 * host; valid only during that forward call. */
typedef struct chm_outputs chm_outputs;

/* What a plugin may see of a tensor (ABI 1.1): valid while the plugin holds the reference it was
 * taken from. Tensors are dense and row-major (images NCHW). `data` may be written only for a
 * tensor the plugin created with `tensor_create` and has not yet passed to an op. */
typedef struct chm_tensor_view {
    uint32_t struct_size;  /* set by the caller to sizeof(chm_tensor_view) */
    chm_dtype dtype;
    int32_t rank;
    uint32_t reserved0;
    void* data;            /* 64-byte aligned; rank 0 is one element */
    const int64_t* shape;  /* `rank` sizes, owned by the host */
    int64_t numel;         /* number of elements */
} chm_tensor_view;
CHM_STATIC_ASSERT(offsetof(chm_tensor_view, numel) == 16 + 2 * sizeof(void*),
                  "chm_tensor_view 1.1 layout changed: members may only be appended");

/* A tensor with a name, as modules receive their inputs (ABI 1.1), in arrays whose elements
 * all have the same struct_size; readers step through them by it. `name` and `tensor` are
 * borrowed: valid only during the call they were handed to. */
typedef struct chm_named_tensor {
    uint32_t struct_size; /* sizeof(chm_named_tensor) as the host built it */
    uint32_t reserved0;   /* zero */
    const char* name;
    const chm_tensor* tensor;
    /* ---- end of ABI 1.1 --------------------------------------------------------------------- */
} chm_named_tensor;
CHM_STATIC_ASSERT(offsetof(chm_named_tensor, tensor) == 8 + sizeof(void*),
                  "chm_named_tensor 1.1 layout changed: members may only be appended");

/* One field of a loader's examples (ABI 1.2): its name ("image", "label"), element type and the
 * shape of ONE example ([1, 28, 28] for an image, [] for a label). Owned by the loader; valid
 * while the instance lives. Arrays of fields are stepped by fields[0].struct_size. */
typedef struct chm_field_desc {
    uint32_t struct_size; /* sizeof(chm_field_desc) as the plugin built it */
    chm_dtype dtype;
    int32_t rank;         /* of one example; 0 for a scalar such as a label */
    uint32_t reserved0;   /* zero */
    const char* name;
    const int64_t* shape; /* `rank` sizes; NULL when rank is 0 */
    /* ---- end of ABI 1.2 --------------------------------------------------------------------- */
} chm_field_desc;
CHM_STATIC_ASSERT(offsetof(chm_field_desc, shape) == 16 + sizeof(void*),
                  "chm_field_desc 1.2 layout changed: members may only be appended");

/* Where a plugin writes the bytes of a file the host then stores or shows (ABI 1.3): a decoded
 * caption, a WAV file. Owned by the host; valid only during the call it was handed to. */
typedef struct chm_byte_sink {
    uint32_t struct_size; /* sizeof(chm_byte_sink) as the host built it */
    uint32_t reserved0;   /* zero */
    void* context;        /* the host's; passed back to `write` */
    /* [setup] Called by the plugin only during the call the sink was handed to, on that call's
     * thread. Appends `size` bytes from `bytes` (borrowed; copied before return; may be NULL
     * when size is 0). CHM_ERR_IO when the host cannot keep them; never throws. */
    chm_status (*write)(void* context, const void* bytes, uint64_t size);
    /* ---- end of ABI 1.3 --------------------------------------------------------------------- */
} chm_byte_sink;
CHM_STATIC_ASSERT(offsetof(chm_byte_sink, write) == 8 + sizeof(void*),
                  "chm_byte_sink 1.3 layout changed: members may only be appended");

/* One named attribute of an op call (ABI 1.4): a list of numbers ("stride": [2, 2]; one number
 * is a list of one) or a named choice ("activation": "relu"). Arrays of attributes are stepped by
 * attrs[0].struct_size. Everything is borrowed for the call. <chimera/opset.h> names each op's
 * attributes; an attribute the op does not have is an error naming the ones it has.
 * Why names rather than positions: a host that gives an op a new attribute, or a plugin that
 * misremembers an order, then fails with a message instead of computing something else. */
typedef struct chm_attr {
    uint32_t struct_size;  /* sizeof(chm_attr) as the caller built it */
    uint32_t count;        /* number of elements of `values`; 0 for a choice */
    const char* name;      /* [a-z][a-z0-9_]* */
    const double* values;  /* `count` numbers, or NULL when count is 0 */
    const char* text;      /* the choice's name for attributes that take one, else NULL */
    /* ---- end of ABI 1.4 --------------------------------------------------------------------- */
} chm_attr;
CHM_STATIC_ASSERT(offsetof(chm_attr, text) == 8 + 2 * sizeof(void*),
                  "chm_attr 1.4 layout changed: members may only be appended");

/* ---------------------------------------------------------------------------------------------
 * The host function table, handed to the plugin's entry and to every `create`.
 * Owned by the host; valid until the library is unloaded. Plugins keep the pointer.
 * ------------------------------------------------------------------------------------------- */

typedef struct chm_host chm_host;
struct chm_host {
    uint32_t struct_size; /* sizeof(chm_host) as the host built it: tells which members exist */
    uint32_t abi_major;   /* the host's CHM_ABI_VERSION_MAJOR */
    uint32_t abi_minor;   /* the host's CHM_ABI_VERSION_MINOR */
    uint32_t reserved0;   /* zero; keeps the pointer members aligned the same way everywhere */
    void* host_data;      /* the host's own; plugins never read or write it */

    /* ---- ABI 1.0 ---------------------------------------------------------------------------- */

    /* [any-thread] Writes `message` (UTF-8, copied before return) to the host's log, prefixed
     * with the plugin's name. NULL message: nothing is logged. */
    void (*log)(const chm_host* host, chm_log_level level, const char* message);

    /* [any-thread] Records why the calling plugin function is about to fail, for the host to
     * show. `message` is copied; NULL means no detail. Returns `status` unchanged, so a plugin
     * writes `return host->set_error(host, CHM_ERR_INVALID_ARGUMENT, "units must be > 0");`.
     * The record is per thread and replaced by the next failure on that thread. */
    chm_status (*set_error)(const chm_host* host, chm_status status, const char* message);

    /* [any-thread] The message of the most recent failed host call on this thread, or "" when
     * there was none. Never NULL. Valid until the next host call on this thread.
     * Why: host functions return only a status; this is how a plugin learns the reason. */
    const char* (*last_error)(const chm_host* host);

    /* Configuration look-up. A configuration reaches `create` already validated against the
     * component's schema, with defaults filled in, so looking up a declared parameter by its
     * declared type always succeeds. `key` names a member of a map node; a NULL key means the
     * node itself (a list element, say). Failures: CHM_ERR_NOT_FOUND for a missing key,
     * CHM_ERR_TYPE for a value of another type, CHM_ERR_INVALID_ARGUMENT for NULL handles. */

    /* [setup] Sets *out to 1 if the map node has member `key`, else 0. `key` must not be NULL. */
    chm_status (*config_has)(const chm_host* host, const chm_config* node, const char* key,
                             int32_t* out);
    /* [setup] Reads a boolean as 0 or 1. */
    chm_status (*config_get_bool)(const chm_host* host, const chm_config* node, const char* key,
                                  int32_t* out);
    /* [setup] Reads an integer. A number with a fractional part is CHM_ERR_TYPE. */
    chm_status (*config_get_int)(const chm_host* host, const chm_config* node, const char* key,
                                 int64_t* out);
    /* [setup] Reads a number. */
    chm_status (*config_get_float)(const chm_host* host, const chm_config* node, const char* key,
                                   double* out);
    /* [setup] Reads a scalar as UTF-8 text. *out is owned by the host and valid as long as the
     * node is. */
    chm_status (*config_get_string)(const chm_host* host, const chm_config* node,
                                    const char* key, const char** out);
    /* [setup] Sets *out to the member `key` of a map node (a map, list or scalar). `key` must not
     * be NULL. *out lives as long as `node`. */
    chm_status (*config_child)(const chm_host* host, const chm_config* node, const char* key,
                               const chm_config** out);
    /* [setup] Sets *out to the number of elements of a list node, or of members of a map node;
     * 0 for a scalar. */
    chm_status (*config_size)(const chm_host* host, const chm_config* node, int64_t* out);
    /* [setup] Sets *out to element `index` (0-based) of a list node. *out lives as long as
     * `node`. An index past the end is CHM_ERR_NOT_FOUND. */
    chm_status (*config_element)(const chm_host* host, const chm_config* node, int64_t index,
                                 const chm_config** out);
    /* [setup] Sets *out to where the value of `key` (or of the node, for a NULL key) was
     * written, as "file:line:column (yaml.path)" or "(default) yaml.path" for a value that came
     * from the schema. For error messages that point the user at the right place. *out lives as
     * long as `node`. */
    chm_status (*config_where)(const chm_host* host, const chm_config* node, const char* key,
                               const char** out);

    /* ---- end of ABI 1.0 --------------------------------------------------------------------- */

    /* ---- ABI 1.1: tensors, parameters and ops ----------------------------------------------- */

    /* [step] Creates a zero-filled tensor and sets *out to a new reference. */
    chm_status (*tensor_create)(const chm_host* host, chm_dtype dtype, int32_t rank,
                                const int64_t* shape, chm_tensor** out);
    /* [step] Sets *out to a new reference to the same tensor. */
    chm_status (*tensor_retain)(const chm_host* host, const chm_tensor* tensor, chm_tensor** out);
    /* [step] Drops one reference. Accepts NULL. */
    void (*tensor_release)(const chm_host* host, chm_tensor* tensor);
    /* [any-thread] Fills *out (whose struct_size the caller set) with the tensor's type, shape
     * and data. Valid while the plugin holds `tensor`. (Loaders call it from the prefetch thread.) */
    chm_status (*tensor_view)(const chm_host* host, const chm_tensor* tensor, chm_tensor_view* out);

    /* [setup] Creates a float32 parameter of the component instance being created, initialised
     * with `init` (CHM_INIT_*, arguments `a`, `b`) from the run's seed and the parameter's full
     * name, so its values do not depend on creation order. `name` is relative to the instance
     * ("fc1.weight"); the host prefixes the instance's name ("encoder.fc1.weight"), under which
     * optimizers, checkpoints and summaries find it. Only during `create` or (ABI 1.2) during the
     * instance's first `forward`, so a layer can size itself from its first input as Keras layers
     * build on their first call; a name used twice by one instance is CHM_ERR_INVALID_ARGUMENT.
     * Sets *out to a new reference. */
    chm_status (*param_create)(const chm_host* host, const char* name, int32_t rank,
                               const int64_t* shape, chm_init init, double a, double b,
                               chm_tensor** out);

    /* [step] Finds the op called `name` ("linear", "conv2d", ...; `chimera ops` lists them
     * with their inputs and attributes). CHM_ERR_NOT_FOUND names the ops that exist. See chm_op
     * for how long *out is valid. */
    chm_status (*op_find)(const chm_host* host, const char* name, const chm_op** out);
    /* [step] Runs `op` on `n_inputs` tensors (borrowed; an optional input may be NULL) with
     * `n_attrs` numeric attributes (strides, axes, slopes... in the order the op documents),
     * and sets outputs[0..n_outputs) to new references. When gradients are enabled and an input
     * requires them, the host records the op so backward can differentiate through it.
     * A shape or argument error names the op and the shapes; outputs are then untouched. */
    chm_status (*op_call)(const chm_host* host, const chm_op* op, const chm_tensor* const* inputs,
                          uint32_t n_inputs, const double* attrs, uint32_t n_attrs,
                          chm_tensor** outputs, uint32_t n_outputs);
    /* [step] Turns gradient recording on (1) or off (0) for the run (all later ops of the
     * compute context, not only the calling thread's) and sets *previous (may be NULL) to the
     * mode before, so a plugin can restore it before returning. */
    chm_status (*grad_mode)(const chm_host* host, int32_t enabled, int32_t* previous);
    /* [step] Adds a named result to a module's outputs. `name` is copied; the host takes its
     * own reference to `tensor`, so the plugin still releases its reference. A name set twice
     * is CHM_ERR_INVALID_ARGUMENT. */
    chm_status (*output_set)(const chm_host* host, chm_outputs* outputs, const char* name,
                             const chm_tensor* tensor);

    /* ---- end of ABI 1.1 --------------------------------------------------------------------- */

    /* ---- ABI 1.2: training state ------------------------------------------------------------ */

    /* [setup] Like param_create, but for state that is saved in checkpoints and never trained:
     * batch norm's running statistics, say. Buffers do not require gradients and optimizers do
     * not see them. Named under the instance like parameters ("enc.bn1.running_mean"). */
    chm_status (*buffer_create)(const chm_host* host, const char* name, int32_t rank,
                                const int64_t* shape, chm_init init, double a, double b,
                                chm_tensor** out);
    /* [step] Sets *out to a new reference to the gradient accumulated for parameter `param` by
     * the last backward, or to NULL when it has none (it took no part in the loss). */
    chm_status (*tensor_grad)(const chm_host* host, const chm_tensor* param, chm_tensor** out);
    /* [step] 1 while the run trains, 0 while it evaluates or generates: what dropout and batch
     * norm consult. Never fails. */
    int32_t (*training)(const chm_host* host);

    /* ---- end of ABI 1.2 --------------------------------------------------------------------- */

    /* ---- ABI 1.4: the versioned op set with named attributes --------------------------------- */

    /* [step] Like op_find, for op `name` at op version `version` (the CHM_OPSET entry the plugin
     * was built with). CHM_ERR_UNSUPPORTED, naming the op, the version asked and the versions
     * this host honours, when the host cannot compute that version of the op (a plugin built
     * against a newer op set); CHM_ERR_NOT_FOUND names the ops that exist. op_find (ABI 1.1)
     * means version 1 of each op. */
    chm_status (*op_find_version)(const chm_host* host, const char* name, uint32_t version,
                                  const chm_op** out);
    /* [step] Like op_call, with `n_attrs` named attributes (stepped by attrs[0].struct_size;
     * borrowed; may come in any order) in place of positional numbers. An attribute left out
     * takes the default <chimera/opset.h> gives it; one the op does not have, a required one
     * missing, a wrong count or an unknown choice is CHM_ERR_INVALID_ARGUMENT naming the op
     * and its attributes. Outputs are then untouched. */
    chm_status (*op_call_named)(const chm_host* host, const chm_op* op,
                                const chm_tensor* const* inputs, uint32_t n_inputs,
                                const chm_attr* attrs, uint32_t n_attrs, chm_tensor** outputs,
                                uint32_t n_outputs);

    /* ---- end of ABI 1.4: append new members below this line, never above ------------------- */
};
CHM_STATIC_ASSERT(offsetof(chm_host, config_where) == 16 + 12 * sizeof(void*),
                  "chm_host 1.0 layout changed: members may only be appended");
CHM_STATIC_ASSERT(offsetof(chm_host, output_set) == 16 + 21 * sizeof(void*),
                  "chm_host 1.1 layout changed: members may only be appended");
CHM_STATIC_ASSERT(offsetof(chm_host, training) == 16 + 24 * sizeof(void*),
                  "chm_host 1.2 layout changed: members may only be appended");
CHM_STATIC_ASSERT(offsetof(chm_host, op_call_named) == 16 + 26 * sizeof(void*),
                  "chm_host 1.4 layout changed: members may only be appended");

/* ---------------------------------------------------------------------------------------------
 * What a plugin describes. All of it is owned by the plugin (see "Ownership rules").
 * ------------------------------------------------------------------------------------------- */

/* One declared parameter of a component. Components list them as an array of structs; every
 * element of one array has the same struct_size, and the host steps through the array by it. */
typedef struct chm_param_desc {
    uint32_t struct_size;     /* sizeof(chm_param_desc) as the plugin built it */
    chm_param_type type;      /* CHM_PARAM_* */
    uint32_t flags;           /* CHM_PARAM_HAS_MIN | CHM_PARAM_HAS_MAX */
    uint32_t reserved0;       /* zero */
    double min_value;         /* inclusive; used when flags has CHM_PARAM_HAS_MIN */
    double max_value;         /* inclusive; used when flags has CHM_PARAM_HAS_MAX */
    const char* name;         /* [a-z][a-z0-9_]*, unique within the component */
    const char* default_value;/* YAML text of the default ("64", "[512, 256]", "relu"); NULL
                                 makes the parameter required */
    const char* doc;          /* one line shown by `chimera plugins --describe`; not NULL */
    const char* choices;      /* for strings: allowed values separated by '|', or NULL for any */
    /* ---- end of ABI 1.0 --------------------------------------------------------------------- */
} chm_param_desc;
CHM_STATIC_ASSERT(offsetof(chm_param_desc, choices) == 32 + 3 * sizeof(void*),
                  "chm_param_desc 1.0 layout changed: members may only be appended");

/* One port of a module (ABI 1.4): an input it reads or an output it writes, as a pipeline's
 * `in:` and `out:` maps name them. Arrays of ports are stepped by their first element's
 * struct_size. Owned by the plugin, like the rest of its description.
 *
 * `name` is one of
 *   - a plain name: "x", "logvar";
 *   - a family: a name with one `<...>` part matching one or more of [a-z0-9_], as in
 *     "mu_<m>" for mu_image, mu_text...; every port of a family is optional by nature;
 *   - "{option}": the port is named by the component's string parameter `option` (an mlp reads
 *     the input its `input` option names); when that option is "", the port does not exist.
 * `shape` is NULL (any shape) or a pattern: "[N, D]", "[N, 1, 28, 28]", "[N, ...]". Each element
 * is an integer that must match, a symbol (a letter, then letters, digits or _) that binds to
 * the first size seen and must agree wherever the symbol appears again among the component's
 * ports, `*` for any one size, or `...` (once) for any number of sizes. The host checks every
 * call's inputs and outputs against the patterns and names the tensor, its shape and where the
 * symbol was bound when they disagree. */
typedef struct chm_port_desc {
    uint32_t struct_size; /* sizeof(chm_port_desc) as the plugin built it */
    chm_dtype dtype;      /* CHM_DTYPE_F32, CHM_DTYPE_I32, or CHM_DTYPE_ANY */
    uint32_t flags;       /* CHM_PORT_OPTIONAL */
    uint32_t reserved0;   /* zero */
    const char* name;     /* see above; not NULL */
    const char* shape;    /* pattern, or NULL for any */
    const char* doc;      /* one line shown by `chimera plugins --describe`; not NULL */
    /* ---- end of ABI 1.4 --------------------------------------------------------------------- */
} chm_port_desc;
CHM_STATIC_ASSERT(offsetof(chm_port_desc, doc) == 16 + 2 * sizeof(void*),
                  "chm_port_desc 1.4 layout changed: members may only be appended");

/* What encoders, generators and losses do (ABI 1.1). A component of those kinds points its
 * `methods` member at one of these. */
typedef struct chm_module_methods {
    uint32_t struct_size; /* sizeof(chm_module_methods) as the plugin built it */
    uint32_t reserved0;   /* zero */
    /* [step] Computes the module's outputs from its inputs with the host's ops, and adds each
     * with host->output_set. `inputs` is an array of `n_inputs` elements stepped by
     * inputs[0].struct_size, borrowed for the call. A loss adds one scalar output,
     * "loss". Parameters were made in `create`; gradients flow through the ops it calls. */
    chm_status (*forward)(void* instance, const chm_named_tensor* inputs, uint32_t n_inputs,
                          chm_outputs* outputs);
    /* ---- end of ABI 1.1 --------------------------------------------------------------------- */
} chm_module_methods;
CHM_STATIC_ASSERT(offsetof(chm_module_methods, forward) == 8,
                  "chm_module_methods 1.1 layout changed: members may only be appended");

/* What loaders do (ABI 1.2): a random-access dataset of examples with named fields. The host
 * shuffles, batches and prefetches; the loader only reads the examples it is asked for. */
typedef struct chm_loader_methods {
    uint32_t struct_size; /* sizeof(chm_loader_methods) as the plugin built it */
    uint32_t reserved0;   /* zero */
    /* [setup] Sets *n to the number of examples. */
    chm_status (*size)(void* instance, int64_t* n);
    /* [setup] Sets *fields to the loader's fields (owned by the loader, valid while it lives)
     * and *n to their number. */
    chm_status (*fields)(void* instance, const chm_field_desc** fields, uint32_t* n);
    /* [any-thread] Writes examples indices[0..n_indices) into row k of each batch tensor:
     * batch[f] is a host tensor of field f's dtype shaped [n_indices, field shape...], whose data
     * the loader fills through tensor_view. Called from the host's prefetch thread, never
     * concurrently with another read of the same instance. Indices are in [0, size). */
    chm_status (*read)(void* instance, const int64_t* indices, uint32_t n_indices,
                       chm_tensor* const* batch, uint32_t n_fields);
    /* ---- end of ABI 1.2 --------------------------------------------------------------------- */

    /* ---- ABI 1.3: what a run keeps of its data, and examples a person gives or gets ---------
     * Each member may be NULL: the loader has nothing to keep (save, restore), or no field it can
     * make from a value (encode) or turn into a file (decode); the host then skips the call. A
     * host reads them only when struct_size reaches them. Strings the host passes (`directory`,
     * `field`, `value`) are UTF-8, borrowed, and valid only during the call. */

    /* [setup] Writes into `directory` (it exists and belongs to the run) files holding what the
     * loader derived from its data and later processes must reuse unchanged: a vocabulary built
     * from the training split, say. The host calls it on the training split's loader when a run
     * starts. The loader names its files; it never touches others there.
     * Why: generation and evaluation must read inputs exactly as training did, even after the
     * data it was derived from has changed. */
    chm_status (*save)(void* instance, const char* directory);
    /* [setup] Reads what `save` wrote into `directory` and uses it in place of what the loader
     * derived itself, for the examples it reads and those it encodes. The host calls it on every
     * split's loader of a run it reopens (or resumes), before reading any example. A missing or
     * malformed file is CHM_ERR_IO, naming it. */
    chm_status (*restore)(void* instance, const char* directory);
    /* [setup] Makes one example from a person's description of field `field`: `value` is text
     * (a caption) or a file path (a WAV file), as the loader documents. `example` holds one host
     * tensor per field, in fields() order (`n_fields` of them), each shaped [1, field shape] and
     * zero-filled; the loader fills those the value determines (the field, and say its length)
     * through tensor_view. Returns CHM_ERR_UNSUPPORTED, touching nothing, for a field it cannot
     * make from a value; CHM_ERR_INVALID_ARGUMENT or CHM_ERR_IO, with a message naming the value
     * or file, when the value is bad. (The host reads image fields, [1 or 3, H, W], from PNG
     * files itself and asks the loader for the others.) */
    chm_status (*encode)(void* instance, const char* field, const char* value,
                         chm_tensor* const* example, uint32_t n_fields);
    /* [setup] Turns one example's value of field `field`, as a model produced it (`value`,
     * borrowed, shaped [1, field shape] and of the field's type), into a file a person can read
     * or hear: writes its bytes to `sink` and sets *media_type to its type ("text/plain;
     * charset=utf-8", "audio/wav"), a string owned by the plugin and valid until the next call on
     * this instance. CHM_ERR_UNSUPPORTED, writing nothing, for a field it cannot decode;
     * CHM_ERR_INVALID_ARGUMENT for values it cannot make a file of (non-finite numbers). */
    chm_status (*decode)(void* instance, const char* field, const chm_tensor* value,
                         const chm_byte_sink* sink, const char** media_type);
    /* ---- end of ABI 1.3 --------------------------------------------------------------------- */
} chm_loader_methods;
CHM_STATIC_ASSERT(offsetof(chm_loader_methods, read) == 8 + 2 * sizeof(void*),
                  "chm_loader_methods 1.2 layout changed: members may only be appended");
CHM_STATIC_ASSERT(offsetof(chm_loader_methods, decode) == 8 + 6 * sizeof(void*),
                  "chm_loader_methods 1.3 layout changed: members may only be appended");

/* What optimizers do (ABI 1.2): update one group of parameters from their gradients. The host
 * clips gradients and schedules the learning rate; the optimizer owns its state (moments...). */
typedef struct chm_optimizer_methods {
    uint32_t struct_size; /* sizeof(chm_optimizer_methods) as the plugin built it */
    uint32_t reserved0;   /* zero */
    /* [setup] Hands over the group, once, before the first step: `n` parameters with their
     * full names, borrowed for the call (retain what you keep). State is made here, with
     * tensor_create. */
    chm_status (*attach)(void* instance, const chm_named_tensor* params, uint32_t n);
    /* [step] Updates every parameter in place (through tensor_view) from its gradient
     * (tensor_grad; skip parameters without one). `lr_scale` multiplies the optimizer's own
     * learning rate (the host's schedule); `step` counts updates from 1. Runs with gradient
     * recording off. */
    chm_status (*step)(void* instance, double lr_scale, int64_t step);
    /* [setup] Adds the optimizer's state tensors to `state` with output_set, under names of its
     * choosing, for a checkpoint. */
    chm_status (*save_state)(void* instance, chm_outputs* state);
    /* [setup] Restores state saved by save_state (after attach). `state` is borrowed. A missing
     * or misshapen tensor is CHM_ERR_INVALID_ARGUMENT, naming it. */
    chm_status (*load_state)(void* instance, const chm_named_tensor* state, uint32_t n);
    /* ---- end of ABI 1.2 --------------------------------------------------------------------- */
} chm_optimizer_methods;
CHM_STATIC_ASSERT(offsetof(chm_optimizer_methods, load_state) == 8 + 3 * sizeof(void*),
                  "chm_optimizer_methods 1.2 layout changed: members may only be appended");

/* One component: a kind, a name unique within that kind, and how to make instances. */
typedef struct chm_component_desc {
    uint32_t struct_size;         /* sizeof(chm_component_desc) as the plugin built it */
    chm_kind kind;                /* CHM_KIND_* */
    uint32_t param_count;         /* number of elements in `params` */
    uint32_t reserved0;           /* zero */
    const char* name;             /* [a-z][a-z0-9_]*; the name configs use */
    const char* version;          /* the component's own version, "MAJOR.MINOR.PATCH" */
    const char* description;      /* one line; not NULL */
    const chm_param_desc* params; /* `param_count` parameters; NULL when there are none */

    /* [setup] Makes an instance from `config`, a map node already validated against `params`
     * with defaults filled in. On success sets *out_instance and returns CHM_OK; on failure
     * calls host->set_error, returns the status and leaves *out_instance untouched. `host`
     * stays valid for the instance's whole life; `config` only until create returns. */
    chm_status (*create)(const chm_host* host, const chm_config* config, void** out_instance);

    /* [setup] Releases an instance made by `create`. Accepts NULL. */
    void (*destroy)(void* instance);
    /* ---- end of ABI 1.0 --------------------------------------------------------------------- */

    /* The kind's methods (ABI 1.1): a chm_module_methods for encoders, generators and losses,
     * (ABI 1.2) a chm_loader_methods for loaders and a chm_optimizer_methods for optimizers;
     * NULL for a component that only describes itself. Owned by the plugin. */
    const void* methods;
    /* ---- end of ABI 1.1 --------------------------------------------------------------------- */

    /* Ports (ABI 1.4) of an encoder, generator or loss: `input_count` inputs and `output_count`
     * outputs (a loss's one output is "loss"). A component that declares none (both counts 0,
     * or a struct that ends before them) is checked as before 1.4: by what its forward reads
     * and writes. */
    uint32_t input_count;
    uint32_t output_count;
    const chm_port_desc* inputs;  /* NULL when input_count is 0 */
    const chm_port_desc* outputs; /* NULL when output_count is 0 */
    /* ---- end of ABI 1.4 --------------------------------------------------------------------- */
} chm_component_desc;
CHM_STATIC_ASSERT(offsetof(chm_component_desc, destroy) == 16 + 5 * sizeof(void*),
                  "chm_component_desc 1.0 layout changed: members may only be appended");
CHM_STATIC_ASSERT(offsetof(chm_component_desc, methods) == 16 + 6 * sizeof(void*),
                  "chm_component_desc 1.1 layout changed: members may only be appended");
CHM_STATIC_ASSERT(offsetof(chm_component_desc, outputs) == 24 + 8 * sizeof(void*),
                  "chm_component_desc 1.4 layout changed: members may only be appended");

/* The library as a whole: what `chm_plugin_entry` returns. */
typedef struct chm_library_desc {
    uint32_t struct_size;      /* sizeof(chm_library_desc) as the plugin built it */
    uint32_t abi_major;        /* CHM_ABI_VERSION_MAJOR the plugin was built against */
    uint32_t abi_minor;        /* CHM_ABI_VERSION_MINOR the plugin was built against */
    uint32_t component_count;  /* number of pointers in `components` */
    const char* name;          /* the library's name, [a-z][a-z0-9_]* */
    const char* version;       /* the library's version, "MAJOR.MINOR.PATCH" */
    const char* description;   /* one line; not NULL */
    /* `component_count` pointers to components. Why pointers and not an array of structs:
     * components are usually defined in separate source files, each with its own descriptor. */
    const chm_component_desc* const* components;
    /* [setup] Called once just before the library is unloaded, after every instance has been
     * destroyed. May be NULL. */
    void (*shutdown)(void);
    /* ---- end of ABI 1.0 --------------------------------------------------------------------- */

    /* CHM_OPSET_VERSION of <chimera/opset.h> the plugin was built against (ABI 1.4). The host
     * refuses a library whose op set is newer than its own, naming both. 0, or a struct that
     * ends before this member, means op set 1, the ops of ABI 1.3. */
    uint32_t opset_version;
    uint32_t reserved1; /* zero */
    /* ---- end of ABI 1.4 --------------------------------------------------------------------- */
} chm_library_desc;
CHM_STATIC_ASSERT(offsetof(chm_library_desc, shutdown) == 16 + 4 * sizeof(void*),
                  "chm_library_desc 1.0 layout changed: members may only be appended");
CHM_STATIC_ASSERT(offsetof(chm_library_desc, reserved1) == 20 + 5 * sizeof(void*),
                  "chm_library_desc 1.4 layout changed: members may only be appended");

/* ---------------------------------------------------------------------------------------------
 * The entry point
 * ------------------------------------------------------------------------------------------- */

/* [setup] The single exported function of a plugin library, called once after loading.
 * Returns the library's description, owned by the plugin and valid until unload, or NULL after
 * calling host->set_error to say why (for instance a host ABI major it does not speak).
 * `host` stays valid until unload; a plugin may keep it. Declare it with CHM_PLUGIN_ENTRY:
 *
 *     CHM_PLUGIN_ENTRY(host) { ...; return &my_library; }
 */
typedef const chm_library_desc* (*chm_entry_fn)(const chm_host* host);

#ifdef __cplusplus
#define CHM_PLUGIN_ENTRY(host_param) \
    extern "C" CHM_EXPORT const chm_library_desc* chm_plugin_entry(const chm_host* host_param)
#else
#define CHM_PLUGIN_ENTRY(host_param) \
    CHM_EXPORT const chm_library_desc* chm_plugin_entry(const chm_host* host_param)
#endif

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CHIMERA_ABI_H */
