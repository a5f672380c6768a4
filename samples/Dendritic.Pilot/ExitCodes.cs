namespace Dendritic.Pilot;

/// <summary>The pilot's exit codes.</summary>
public static class ExitCodes
{
    /// <summary>The experiment ran and the report was written (or help was shown).</summary>
    public const int Success = 0;

    /// <summary>An unexpected failure; the message says what.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong.</summary>
    public const int BadOptions = 2;

    /// <summary>The data is missing or corrupt, or the device is unavailable.</summary>
    public const int BadInput = 3;

    /// <summary>Cancelled with Ctrl+C.</summary>
    public const int Cancelled = 130;
}
