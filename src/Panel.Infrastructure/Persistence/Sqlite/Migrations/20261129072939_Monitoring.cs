using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Panel.Infrastructure.Persistence.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Monitoring : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "alert_settings",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    MemoryPercent = table.Column<int>(type: "INTEGER", nullable: false),
                    MemoryMinutes = table.Column<int>(type: "INTEGER", nullable: false),
                    UnhealthyMinutes = table.Column<int>(type: "INTEGER", nullable: false),
                    NotifyMatrixUserId = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_alert_settings", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "metric_buckets",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    SeriesKey = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Resolution = table.Column<short>(type: "INTEGER", nullable: false),
                    Start = table.Column<long>(type: "INTEGER", nullable: false),
                    Count = table.Column<int>(type: "INTEGER", nullable: false),
                    CpuMin = table.Column<double>(type: "REAL", nullable: false),
                    CpuAvg = table.Column<double>(type: "REAL", nullable: false),
                    CpuMax = table.Column<double>(type: "REAL", nullable: false),
                    MemoryMin = table.Column<long>(type: "INTEGER", nullable: false),
                    MemoryAvg = table.Column<long>(type: "INTEGER", nullable: false),
                    MemoryMax = table.Column<long>(type: "INTEGER", nullable: false),
                    MemoryLimit = table.Column<long>(type: "INTEGER", nullable: false),
                    NetworkRxBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    NetworkTxBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    BlockReadBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    BlockWriteBytes = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_metric_buckets", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "timeline_events",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Time = table.Column<long>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Source = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Detail = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_timeline_events", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "watched_containers",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    AddedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_watched_containers", x => x.Name);
                });

            migrationBuilder.CreateIndex(
                name: "IX_metric_buckets_Resolution_Start",
                table: "metric_buckets",
                columns: new[] { "Resolution", "Start" });

            migrationBuilder.CreateIndex(
                name: "IX_metric_buckets_SeriesKey_Resolution_Start",
                table: "metric_buckets",
                columns: new[] { "SeriesKey", "Resolution", "Start" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_timeline_events_Time",
                table: "timeline_events",
                column: "Time");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "alert_settings");

            migrationBuilder.DropTable(
                name: "metric_buckets");

            migrationBuilder.DropTable(
                name: "timeline_events");

            migrationBuilder.DropTable(
                name: "watched_containers");
        }
    }
}
