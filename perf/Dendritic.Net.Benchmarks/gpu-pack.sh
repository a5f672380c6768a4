#!/usr/bin/env bash
# Packs this benchmark program for the H200 machine, as ../shared/gpu/pack.sh does, but from a worktree: the device
# tool always sends the main checkout, so the package goes to $DEST (default: .gpu/ in the main worktree, git-ignored).
# On the device: bash .gpu/bench.sh (see gpu-bench.sh) with carry=[".gpu"].
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
main=$(dirname "$(git -C "$here" rev-parse --path-format=absolute --git-common-dir)")
dest=${DEST:-$main/.gpu}
mkdir -p "$dest"; rm -rf "$dest/app"
dotnet publish "$here/Dendritic.Net.Benchmarks.csproj" -c Release -r linux-x64 --self-contained false -o "$dest/app" -p:DebugType=none >/dev/null
# libtorch comes from the device's PyTorch install; keep only TorchSharp's own native bridge.
find "$dest/app" \( -name 'libtorch*.so*' -o -name 'libc10*.so*' -o -name 'libgomp*.so*' -o -name 'libshm.so' \
  -o -name 'libbackend_with_compiler.so' -o -name 'libjitbackend_test.so' -o -name 'libnnapi_backend.so' \
  -o -name 'libaoti_custom_ops.so' \) -delete
# The disassembler and the Windows tracing libraries are unused here and would eat the 64 MiB a call carries.
# (BenchmarkDotNet does need Microsoft.CodeAnalysis*: without it no suite starts.)
rm -rf "$dest/app/libcapstone.so" "$dest/app/amd64"
rm -rf "$dest/app/runtimes/win-"* "$dest/app/runtimes/osx-"* 2>/dev/null || true
rm -f "$dest/app/"{Dia2Lib,TraceReloggerLib,Gee.External.Capstone,Iced,Microsoft.Diagnostics.Tracing.TraceEvent}.dll \
  "$dest/app/"SkiaSharp* "$dest/app/"*.xml
# Compressed: the app folder beside the checkout and the runtime would pass 64 MiB. run.sh and bench.sh unpack it on
# first use there (the folder is gone from this side, so a call always runs what was packed last).
rm -f "$dest/app.tar.xz"; tar -C "$dest" -cJf "$dest/app.tar.xz" app && rm -rf "$dest/app"
if [ ! -s "$dest/dotnet-rt.tar.xz" ]; then
  dn=$(dirname "$(readlink -f "$(command -v dotnet)")")
  rt=$(ls -d "$dn"/shared/Microsoft.NETCore.App/* | sort -V | tail -1)
  tar -C "$dn" -cJf "$dest/dotnet-rt.tar.xz" dotnet host "shared/Microsoft.NETCore.App/$(basename "$rt")"
fi
# The shared runner, with the unpacking of the app folder added after its first lines.
sed '/^here=/a [ -d "$here/app" ] || tar -C "$here" -xJf "$here/app.tar.xz"' "$main/../shared/gpu/run.sh" > "$dest/run.sh"
cp "$here/gpu-bench.sh" "$dest/bench.sh"
du -sh "$dest" | awk '{print "packed: " $1 " (a GPU run carries 64 MiB at most)"}'
