using Dendritic.Reporting;

namespace DocExamples.InPackageReadmes;

/// <summary>src/Dendritic.Net.Reporting/README.md's example, in a file with exactly its usings.</summary>
public static class ReportingReadme
{
    public static void Charts(Dendritic.Experiments.ExperimentReport report)
    {
        // doc-example: src/Dendritic.Net.Reporting/README.md
        var paths = ExperimentCharts.WriteAll(report, "results", width: 900, height: 600);
        // end doc-example
    }
}
