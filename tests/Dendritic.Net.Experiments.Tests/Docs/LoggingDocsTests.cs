using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Dendritic.Testing;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Docs;

/// <summary>docs/logging.md is the one table of event ids: it must list every id the library, the harness and the distributed package use.</summary>
[TestFixture]
public sealed class LoggingDocsTests
{
    private static readonly Assembly[] Logging = { typeof(Dendrites).Assembly, typeof(ExperimentRunner).Assembly, typeof(Dendritic.Distributed.DistributedGrowthScheduler).Assembly, typeof(Dendritic.Onnx.OnnxExporter).Assembly };

    [Test]
    public void EventIds_InCode_AreUniqueAndEachListedOnceInDocsLogging()
    {
        var inCode = Logging
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .Select(a => a.EventId)
            .ToList();
        var documented = Regex.Matches(File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "docs", "logging.md")), @"^\| (\d{4}) \|", RegexOptions.Multiline)
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();

        inCode.Should().OnlyHaveUniqueItems("an event id names one event");
        documented.Should().OnlyHaveUniqueItems();
        documented.Should().BeEquivalentTo(inCode, "docs/logging.md lists exactly the ids in use");
    }
}
