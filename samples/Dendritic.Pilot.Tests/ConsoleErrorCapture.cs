using System;
using System.IO;
using NUnit.Framework;

namespace Dendritic.Pilot.Tests;

/// <summary>
/// Base of the fixtures that run the pilot as a program: standard error (where the pilot writes its one-line errors) is
/// captured for each test and restored after it.
/// </summary>
public abstract class ConsoleErrorCapture
{
    private TextWriter _error = TextWriter.Null;
    private StringWriter _captured = new();

    /// <summary>What the pilot wrote to standard error during this test.</summary>
    protected string Error => _captured.ToString();

    [SetUp]
    public void CaptureError()
    {
        _error = Console.Error;
        _captured = new StringWriter();
        Console.SetError(_captured);
    }

    [TearDown]
    public void RestoreError()
    {
        Console.SetError(_error);
        _captured.Dispose();
    }
}
