// Runs LLVMFuzzerTestOneInput on every file of the directories (or files) given
// on the command line, so that ordinary builds (no libFuzzer) replay the seed
// corpus and any crash inputs kept there. Exits non-zero when a path cannot be
// read; a failing input aborts inside the target, as under libFuzzer.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

namespace {

bool run_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "fuzz_replay: cannot read %s\n", p.c_str());
        return false;
    }
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
    // A copy of exactly the file's size, so that out-of-bounds reads are caught by ASan builds.
    std::vector<uint8_t> exact(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(exact.empty() ? nullptr : exact.data(), exact.size());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    size_t count = 0;
    bool ok = true;
    for (int i = 1; i < argc; ++i) {
        fs::path arg(argv[i]);
        std::error_code ec;
        if (fs::is_directory(arg, ec)) {
            std::vector<fs::path> files;
            for (const auto& e : fs::directory_iterator(arg, ec))
                if (e.is_regular_file()) files.push_back(e.path());
            if (ec) {
                std::fprintf(stderr, "fuzz_replay: cannot list %s: %s\n", argv[i],
                             ec.message().c_str());
                ok = false;
                continue;
            }
            std::sort(files.begin(), files.end());
            for (const auto& f : files) {
                if (!run_file(f))
                    ok = false;
                else
                    ++count;
            }
        } else if (fs::is_regular_file(arg, ec)) {
            if (!run_file(arg))
                ok = false;
            else
                ++count;
        } else {
            std::fprintf(stderr, "fuzz_replay: no such file or directory: %s\n", argv[i]);
            ok = false;
        }
    }
    std::printf("fuzz_replay: %zu inputs replayed without a failure\n", count);
    return ok && count > 0 ? 0 : 1;
}
