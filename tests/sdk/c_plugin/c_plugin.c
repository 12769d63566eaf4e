/* A plugin written in plain C against <chimera/abi.h> alone: no C++, no wrapper.
 * Proves the ABI is usable from C and that the host loads and describes such a library.
 * Its one loss reads its options through the host table and logs them. */
#include <chimera/abi.h>

#include <stdio.h>
#include <stdlib.h>

typedef struct {
    double scale;
    int64_t terms;
} constant_loss;

static chm_status constant_create(const chm_host* host, const chm_config* config, void** out) {
    double scale = 0;
    int64_t terms = 0;
    chm_status s = host->config_get_float(host, config, "scale", &scale);
    if (s != CHM_OK) return s;
    s = host->config_get_int(host, config, "terms", &terms);
    if (s != CHM_OK) return s;
    constant_loss* self = (constant_loss*)malloc(sizeof *self);
    if (!self) return host->set_error(host, CHM_ERR_OUT_OF_MEMORY, "out of memory");
    self->scale = scale;
    self->terms = terms;
    char line[128];
    snprintf(line, sizeof line, "c_constant created: scale=%g terms=%lld", scale, (long long)terms);
    host->log(host, CHM_LOG_INFO, line);
    *out = self;
    return CHM_OK;
}

/* The host table handed to the entry, kept (as the ABI allows) so destroy and shutdown can log:
 * the tests read the order of entry, destroy and shutdown from these lines. */
static const chm_host* saved_host;

static void constant_destroy(void* instance) {
    if (instance && saved_host) saved_host->log(saved_host, CHM_LOG_DEBUG, "c_constant destroyed");
    free(instance);
}

static void library_shutdown(void) {
    if (saved_host) saved_host->log(saved_host, CHM_LOG_DEBUG, "shutdown");
}

static const chm_param_desc constant_params[] = {
    {sizeof(chm_param_desc), CHM_PARAM_FLOAT, CHM_PARAM_HAS_MIN, 0, 0.0, 0.0, "scale", "2.5",
     "value of the constant", NULL},
    {sizeof(chm_param_desc), CHM_PARAM_INT, CHM_PARAM_HAS_MIN | CHM_PARAM_HAS_MAX, 0, 1.0, 8.0,
     "terms", "3", "how many terms are summed", NULL},
    {sizeof(chm_param_desc), CHM_PARAM_STRING, 0, 0, 0.0, 0.0, "reduction", "mean",
     "how the batch is reduced", "mean|sum"},
};

static const chm_component_desc constant_loss_desc = {
    sizeof(chm_component_desc), CHM_KIND_LOSS, 3, 0, "c_constant", "1.2.3",
    "A constant loss written in plain C", constant_params, constant_create, constant_destroy,
    NULL, 0, 0, NULL, NULL}; /* no ports declared: checked as before ABI 1.4 */

static const chm_component_desc* const components[] = {&constant_loss_desc};

static const chm_library_desc library = {
    sizeof(chm_library_desc), CHM_ABI_VERSION_MAJOR, CHM_ABI_VERSION_MINOR, 1, "c_plugin", "1.0.0",
    "Test plugin in plain C", components, library_shutdown,
    0, 0}; /* op set 0 reads as 1: it calls no op */

CHM_PLUGIN_ENTRY(host) {
    if (host->abi_major != CHM_ABI_VERSION_MAJOR) {
        host->set_error(host, CHM_ERR_UNSUPPORTED, "c_plugin speaks ABI 1.x only");
        return NULL;
    }
    saved_host = host;
    host->log(host, CHM_LOG_DEBUG, "entry");
    return &library;
}
