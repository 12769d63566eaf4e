/* The ABI header compiled as strict C11 (see abi_layout.inc). */
#include "abi_layout.inc"

int main(void) {
    print_layout();
    return 0;
}
