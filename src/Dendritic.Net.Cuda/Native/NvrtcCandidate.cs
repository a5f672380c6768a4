namespace Dendritic.Cuda;

/// <summary>A file name NVRTC is searched under, and the CUDA major version its name promises (null: any, e.g. libnvrtc.so).</summary>
internal readonly record struct NvrtcCandidate(string Name, int? Major);
