/* One source, many deliberately broken plugin libraries: BROKEN_CASE (a compile definition)
 * picks the defect. Each library is loaded by a test that expects the host's message for it.
 * LIBRARY_NAME names the library so two builds can define the same component (duplicates). */
#include <chimera/abi.h>
#include <chimera/opset.h>

#include <stddef.h>

#define CASE_GOOD 0
#define CASE_ABI_MAJOR 1
#define CASE_ABI_MINOR 2
#define CASE_BAD_NAME 3
#define CASE_BAD_DEFAULT 4
#define CASE_NULL_CREATE 5
#define CASE_SMALL_STRUCT 6
#define CASE_DEFAULT_NOT_A_CHOICE 7
#define CASE_ENTRY_FAILS 8
#define CASE_UNKNOWN_KIND 9
#define CASE_DEFAULT_OUT_OF_RANGE 10
#define CASE_DUPLICATE_PARAM 11
#define CASE_ABI_1_0 12 /* not broken: a plugin built against ABI 1.0 must still load */
#define CASE_FUTURE_OPSET 13 /* built against an op set newer than the host's */

#ifndef LIBRARY_NAME
#define LIBRARY_NAME "broken"
#endif

/* Some cases leave these unused on purpose. */
#define MAYBE_UNUSED __attribute__((unused))

MAYBE_UNUSED static chm_status create(const chm_host* host, const chm_config* config, void** out) {
    (void)host;
    (void)config;
    static int instance;
    *out = &instance;
    return CHM_OK;
}
static void destroy(void* instance) { (void)instance; }

static const chm_param_desc params[] = {
    {sizeof(chm_param_desc), CHM_PARAM_INT, CHM_PARAM_HAS_MIN | CHM_PARAM_HAS_MAX, 0, 1.0, 10.0,
     "units",
#if BROKEN_CASE == CASE_BAD_DEFAULT
     "abc",
#elif BROKEN_CASE == CASE_DEFAULT_OUT_OF_RANGE
     "11",
#else
     "4",
#endif
     "width", NULL},
    {sizeof(chm_param_desc), CHM_PARAM_STRING, 0, 0, 0.0, 0.0,
#if BROKEN_CASE == CASE_DUPLICATE_PARAM
     "units",
#else
     "activation",
#endif
#if BROKEN_CASE == CASE_DEFAULT_NOT_A_CHOICE
     "swish",
#else
     "relu",
#endif
     "activation", "relu|tanh"},
};

static const chm_component_desc component = {
#if BROKEN_CASE == CASE_ABI_1_0
    offsetof(chm_component_desc, methods), /* the 1.0 struct ended before `methods` */
#else
    sizeof(chm_component_desc),
#endif
    CHM_KIND_ENCODER,
    2,
    0,
#if BROKEN_CASE == CASE_BAD_NAME
    "Bad Name",
#else
    "dup",
#endif
    "1.0.0",
    "component of a deliberately broken library",
    params,
#if BROKEN_CASE == CASE_NULL_CREATE
    NULL,
#else
    create,
#endif
    destroy,
    NULL, 0, 0, NULL, NULL};

#if BROKEN_CASE == CASE_UNKNOWN_KIND
static const chm_component_desc future_component = {
    sizeof(chm_component_desc), 99, 0, 0, "from_the_future", "1.0.0", "a kind hosts lack",
    NULL, create, destroy, NULL, 0, 0, NULL, NULL};
static const chm_component_desc* const components[] = {&component, &future_component};
#define COMPONENT_COUNT 2
#else
static const chm_component_desc* const components[] = {&component};
#define COMPONENT_COUNT 1
#endif

MAYBE_UNUSED static const chm_library_desc library = {
#if BROKEN_CASE == CASE_SMALL_STRUCT
    8,
#else
    sizeof(chm_library_desc),
#endif
#if BROKEN_CASE == CASE_ABI_MAJOR
    CHM_ABI_VERSION_MAJOR + 1,
#else
    CHM_ABI_VERSION_MAJOR,
#endif
#if BROKEN_CASE == CASE_ABI_MINOR
    CHM_ABI_VERSION_MINOR + 1,
#elif BROKEN_CASE == CASE_ABI_1_0
    0,
#else
    CHM_ABI_VERSION_MINOR,
#endif
    COMPONENT_COUNT, LIBRARY_NAME, "0.0.1", "deliberately broken", components, NULL,
#if BROKEN_CASE == CASE_FUTURE_OPSET
    CHM_OPSET_VERSION + 1,
#else
    CHM_OPSET_VERSION,
#endif
    0};

CHM_PLUGIN_ENTRY(host) {
#if BROKEN_CASE == CASE_ENTRY_FAILS
    host->set_error(host, CHM_ERR_IO, "cannot find my weights file /nonexistent/weights.bin");
    return NULL;
#else
    (void)host;
    return &library;
#endif
}
