namespace Dendritic.Pilot;

/// <summary>One data file of a pilot run as <c>config.json</c> records it.</summary>
public sealed record PilotDataFile
{
    /// <summary>The file name (no folder), for example <c>train-images-idx3-ubyte.gz</c>.</summary>
    public required string File { get; init; }

    /// <summary>SHA-256 of the file as stored, 64 lower-case hex digits.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Size in bytes.</summary>
    public required long Bytes { get; init; }
}
