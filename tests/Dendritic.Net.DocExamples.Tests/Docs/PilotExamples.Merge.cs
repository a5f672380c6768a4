using System.IO;
using System.Linq;
using Dendritic.Experiments;

namespace DocExamples.InPilot;

/// <summary>docs/pilot.md's merge from code: its example has no usings, so it lives apart from the harness example's file.</summary>
public static class PilotMergeExamples
{
    public static void MergeFromCode()
    {
        // doc-example: docs/pilot.md
        var parts = new[] { "out/seeds-1-2/report.json", "out/seeds-3-4/report.json" }
            .Select(path => ReportWriter.FromJson(File.ReadAllText(path)))
            .ToList();
        var merged = ReportMerger.Merge(parts);                   // ReportMergeException names what differs
        ReportWriter.WriteAll(merged, "out/merged");
        // end doc-example
    }
}
