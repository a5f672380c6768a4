#!/usr/bin/env bash
# Regenerates OnnxSubset.g.cs from onnx-subset.proto with protoc from the Google.Protobuf.Tools NuGet package
# (the version pinned in Directory.Packages.props). The generated types are internal: the ONNX schema is not part of
# Dendritic.Net.Onnx's public API. Run from anywhere; needs only the dotnet SDK.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
version="$(sed -n 's/.*PackageVersion Include="Google.Protobuf.Tools" Version="\([^"]*\)".*/\1/p' "$root/Directory.Packages.props")"
dotnet restore "$here/../Dendritic.Net.Onnx.csproj" >/dev/null
packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
tools="$packages/google.protobuf.tools/$version/tools"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) protoc="$tools/linux_x64/protoc" ;;
  Linux-aarch64) protoc="$tools/linux_aarch64/protoc" ;;
  Darwin-*) protoc="$tools/macosx_x64/protoc" ;;
  *) protoc="$tools/windows_x64/protoc.exe" ;;
esac
# NuGet does not keep the executable bit, so run a private copy.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$protoc" "$work/protoc" && chmod +x "$work/protoc"
"$work/protoc" --proto_path="$here" --csharp_out="$work" --csharp_opt=internal_access,file_extension=.g.cs onnx-subset.proto
cp "$work/OnnxSubset.g.cs" "$here/OnnxSubset.g.cs"
echo "wrote $here/OnnxSubset.g.cs (protoc $version)"
