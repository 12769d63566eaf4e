/* A shared library that is not a Chimera plugin: it exports a function, but not the entry. */
__attribute__((visibility("default"))) int some_other_function(void) { return 7; }
