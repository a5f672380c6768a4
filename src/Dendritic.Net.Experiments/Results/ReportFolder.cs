using System.IO;

namespace Dendritic.Experiments;

/// <summary>The folder that report and chart files are written into.</summary>
internal static class ReportFolder
{
    /// <summary>Creates <paramref name="folder"/> when missing.</summary>
    /// <exception cref="IOException">
    /// A file is at that path: said in those words, where <see cref="Directory.CreateDirectory(string)"/> said only
    /// that "the file already exists", which reads as a refusal to overwrite a report.
    /// </exception>
    public static void Create(string folder)
    {
        if (File.Exists(folder))
        {
            throw new IOException($"'{folder}' is a file, not a folder: the reports are written as several files into a folder. Give the path of a folder (it is created when missing).");
        }

        Directory.CreateDirectory(folder);
    }
}
