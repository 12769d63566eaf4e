// The ABI header compiled as strict C++17 (see abi_layout.inc).
#include "abi_layout.inc"

int main() {
    print_layout();
    return 0;
}
