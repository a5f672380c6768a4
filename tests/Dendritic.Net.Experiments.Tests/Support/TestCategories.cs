namespace Dendritic.Experiments.Tests.Support;

/// <summary>NUnit categories. CI runs all of them; <c>--filter "TestCategory!=Slow"</c> skips the slow ones locally.</summary>
internal static class TestCategories
{
    /// <summary>Tests that train a model for more than a few seconds.</summary>
    public const string Slow = "Slow";
}
