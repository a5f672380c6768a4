using System.IO;
using FluentAssertions;
using NUnit.Framework;
using Spectre.Console;

namespace Dendritic.Pilot.Tests;

[TestFixture]
public sealed class ConsoleTextTests
{
    [Test]
    public void WidenWhenRedirected_RedirectedOutputOf80Columns_GivesTheTableWidth()
    {
        var console = Console80();

        ConsoleText.WidenWhenRedirected(console, redirected: true);

        console.Profile.Width.Should().Be(ConsoleText.TableWidth);
    }

    [Test]
    public void WidenWhenRedirected_Terminal_KeepsItsWidth()
    {
        var console = Console80();

        ConsoleText.WidenWhenRedirected(console, redirected: false);

        console.Profile.Width.Should().Be(80);
    }

    [Test]
    public void WidenWhenRedirected_WiderRedirectedOutput_IsNotNarrowed()
    {
        var console = Console80();
        console.Profile.Width = 300;

        ConsoleText.WidenWhenRedirected(console, redirected: true);

        console.Profile.Width.Should().Be(300);
    }

    private static IAnsiConsole Console80()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(new StringWriter()) });
        console.Profile.Width = 80;
        return console;
    }
}
