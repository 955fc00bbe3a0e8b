using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Panel.Infrastructure.Persistence.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Workers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "FederationSenderWorker",
                table: "homeserver",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "GenericWorkers",
                table: "homeserver",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<bool>(
                name: "MediaWorker",
                table: "homeserver",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "MediaWorkerHostPort",
                table: "homeserver",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ReplicationSecretProtected",
                table: "homeserver",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "WorkerMemoryLimitBytes",
                table: "homeserver",
                type: "bigint",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "FederationSenderWorker",
                table: "homeserver");

            migrationBuilder.DropColumn(
                name: "GenericWorkers",
                table: "homeserver");

            migrationBuilder.DropColumn(
                name: "MediaWorker",
                table: "homeserver");

            migrationBuilder.DropColumn(
                name: "MediaWorkerHostPort",
                table: "homeserver");

            migrationBuilder.DropColumn(
                name: "ReplicationSecretProtected",
                table: "homeserver");

            migrationBuilder.DropColumn(
                name: "WorkerMemoryLimitBytes",
                table: "homeserver");
        }
    }
}
