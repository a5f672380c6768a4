using Microsoft.Extensions.Logging;

namespace Dendritic.Onnx.Export;

/// <summary>The exporter's log messages; event ids 8000-8099 belong to ONNX export (Dendritic.Net.Onnx).</summary>
internal static partial class ExportLog
{
    [LoggerMessage(EventId = 8000, Level = LogLevel.Warning, Message = "{Module}: its ONNX graph description was not checked against its forward pass on the sample input, because {Reason}. The file is written unchecked and may compute something else than the model: compare its output with the model's in ONNX Runtime, or describe that step with operators the exporter computes (docs/export.md, \"How descriptions are checked\")")]
    public static partial void DescriptionNotChecked(ILogger logger, string module, string reason);
}
