"""Initial schema: the twelve layers, with GIST indexes and checks on vocabularies, SRID and validity.

Revision ID: 0001
Revises:
Create Date: 2026-11-29 10:09:47.610372
"""

from __future__ import annotations

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "county",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4490,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                spatial_index=False,
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_county_geom_valid")),
        sa.CheckConstraint("ST_SRID(geom) = 4490", name=op.f("ck_county_geom_srid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_county")),
        sa.UniqueConstraint("code", name=op.f("uq_county_code")),
    )
    op.create_index("idx_county_geom", "county", ["geom"], unique=False, postgresql_using="gist")
    op.create_table(
        "flood_extent",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("depth_class", sa.Text(), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4490,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                spatial_index=False,
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "depth_class IN ('lt05', 'd05_1', 'd1_2', 'gt2')",
            name=op.f("ck_flood_extent_depth_class"),
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_flood_extent_geom_valid")),
        sa.CheckConstraint("ST_SRID(geom) = 4490", name=op.f("ck_flood_extent_geom_srid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flood_extent")),
    )
    op.create_index(
        "idx_flood_extent_geom", "flood_extent", ["geom"], unique=False, postgresql_using="gist"
    )
    op.create_table(
        "townships",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4490,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                spatial_index=False,
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("seat_lon", sa.Double(), nullable=True),
        sa.Column("seat_lat", sa.Double(), nullable=True),
        sa.CheckConstraint("kind IN ('zhen', 'xiang')", name=op.f("ck_townships_kind")),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_townships_geom_valid")),
        sa.CheckConstraint("ST_SRID(geom) = 4490", name=op.f("ck_townships_geom_srid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_townships")),
        sa.UniqueConstraint("code", name=op.f("uq_townships_code")),
        sa.UniqueConstraint("name", name=op.f("uq_townships_name")),
    )
    op.create_index(
        "idx_townships_geom", "townships", ["geom"], unique=False, postgresql_using="gist"
    )
    op.create_table(
        "clinics",
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4490,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                spatial_index=False,
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "villages_served", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("township_code", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("severity", sa.Text(), nullable=True),
        sa.Column("cost_wan", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("resp_unit", sa.Text(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("finished_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('village', 'township')", name=op.f("ck_clinics_kind")),
        sa.CheckConstraint(
            "severity IN ('light', 'moderate', 'severe', 'destroyed')",
            name=op.f("ck_clinics_severity"),
        ),
        sa.CheckConstraint(
            "status IN ('assess', 'not_started', 'opening', 'opened', 'repairing', 'done', 'accepted')",
            name=op.f("ck_clinics_status"),
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_clinics_geom_valid")),
        sa.CheckConstraint("ST_SRID(geom) = 4490", name=op.f("ck_clinics_geom_srid")),
        sa.CheckConstraint("cost_wan IS NULL OR cost_wan >= 0", name=op.f("ck_clinics_cost_wan")),
        sa.CheckConstraint(
            "finished_on IS NULL OR started_on IS NULL OR finished_on >= started_on",
            name=op.f("ck_clinics_finished_on"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_clinics_version")),
        sa.ForeignKeyConstraint(
            ["township_code"], ["townships.code"], name=op.f("fk_clinics_township_code")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinics")),
        sa.UniqueConstraint("code", name=op.f("uq_clinics_code")),
    )
    op.create_index("idx_clinics_geom", "clinics", ["geom"], unique=False, postgresql_using="gist")
    op.create_index(op.f("ix_clinics_township_code"), "clinics", ["township_code"], unique=False)
    op.create_table(
        "power_lines",
        sa.Column("feeder", sa.Text(), nullable=False),
        sa.Column("substation", sa.Text(), nullable=False),
        sa.Column("parent_code", sa.Text(), nullable=True),
        sa.Column("villages_fed", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column(
            "transformer_areas", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("filing", sa.Text(), nullable=True),
        sa.Column("voltage_kv", sa.Integer(), server_default="10", nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="LINESTRING",
                srid=4490,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                spatial_index=False,
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("township_code", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("severity", sa.Text(), nullable=True),
        sa.Column("cost_wan", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("resp_unit", sa.Text(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("finished_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "filing IN ('not_filed', 'filing', 'filed')", name=op.f("ck_power_lines_filing")
        ),
        sa.CheckConstraint(
            "severity IN ('light', 'moderate', 'severe', 'destroyed')",
            name=op.f("ck_power_lines_severity"),
        ),
        sa.CheckConstraint(
            "status IN ('assess', 'not_started', 'opening', 'opened', 'repairing', 'done', 'accepted')",
            name=op.f("ck_power_lines_status"),
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_power_lines_geom_valid")),
        sa.CheckConstraint("ST_SRID(geom) = 4490", name=op.f("ck_power_lines_geom_srid")),
        sa.CheckConstraint(
            "cost_wan IS NULL OR cost_wan >= 0", name=op.f("ck_power_lines_cost_wan")
        ),
        sa.CheckConstraint(
            "finished_on IS NULL OR started_on IS NULL OR finished_on >= started_on",
            name=op.f("ck_power_lines_finished_on"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_power_lines_version")),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["power_lines.code"], name=op.f("fk_power_lines_parent_code")
        ),
        sa.ForeignKeyConstraint(
            ["township_code"], ["townships.code"], name=op.f("fk_power_lines_township_code")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_power_lines")),
        sa.UniqueConstraint("code", name=op.f("uq_power_lines_code")),
    )
    op.create_index(
        "idx_power_lines_geom", "power_lines", ["geom"], unique=False, postgresql_using="gist"
    )
    op.create_index(op.f("ix_power_lines_feeder"), "power_lines", ["feeder"], unique=False)
    op.create_index(
        op.f("ix_power_lines_township_code"), "power_lines", ["township_code"], unique=False
    )
    op.create_table(
        "roads",
        sa.Column("route_code", sa.Text(), nullable=False),
        sa.Column("road_class", sa.Text(), nullable=False),
        sa.Column("structure", sa.Text(), server_default="road", nullable=False),
        sa.Column("chainage", sa.Text(), nullable=True),
        sa.Column("damage_type", sa.Text(), nullable=True),
        sa.Column("passable", sa.Text(), server_default="open", nullable=False),
        sa.Column("length_m", sa.Float(), nullable=True),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="LINESTRING",
                srid=4490,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                spatial_index=False,
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("township_code", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("severity", sa.Text(), nullable=True),
        sa.Column("cost_wan", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("resp_unit", sa.Text(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("finished_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "chainage IS NULL OR chainage ~ '^K[0-9]+\\+[0-9]{3}$'", name=op.f("ck_roads_chainage")
        ),
        sa.CheckConstraint(
            "damage_type IN ('washout', 'collapse', 'landslip', 'bridge', 'culvert', 'submerged', 'silt')",
            name=op.f("ck_roads_damage_type"),
        ),
        sa.CheckConstraint(
            "passable IN ('blocked', 'limited', 'open')", name=op.f("ck_roads_passable")
        ),
        sa.CheckConstraint(
            "road_class IN ('national', 'provincial', 'county', 'township', 'village')",
            name=op.f("ck_roads_road_class"),
        ),
        sa.CheckConstraint("route_code ~ '^[GSXYC][0-9]{3}$'", name=op.f("ck_roads_route_code")),
        sa.CheckConstraint(
            "severity IN ('light', 'moderate', 'severe', 'destroyed')",
            name=op.f("ck_roads_severity"),
        ),
        sa.CheckConstraint(
            "status IN ('assess', 'not_started', 'opening', 'opened', 'repairing', 'done', 'accepted')",
            name=op.f("ck_roads_status"),
        ),
        sa.CheckConstraint(
            "structure IN ('road', 'bridge', 'ford', 'culvert')", name=op.f("ck_roads_structure")
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_roads_geom_valid")),
        sa.CheckConstraint("ST_SRID(geom) = 4490", name=op.f("ck_roads_geom_srid")),
        sa.CheckConstraint("cost_wan IS NULL OR cost_wan >= 0", name=op.f("ck_roads_cost_wan")),
        sa.CheckConstraint(
            "finished_on IS NULL OR started_on IS NULL OR finished_on >= started_on",
            name=op.f("ck_roads_finished_on"),
        ),
        sa.CheckConstraint("length_m IS NULL OR length_m >= 0", name=op.f("ck_roads_length_m")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_roads_version")),
        sa.ForeignKeyConstraint(
            ["township_code"], ["townships.code"], name=op.f("fk_roads_township_code")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roads")),
        sa.UniqueConstraint("code", name=op.f("uq_roads_code")),
    )
    op.create_index("idx_roads_geom", "roads", ["geom"], unique=False, postgresql_using="gist")
    op.create_index(op.f("ix_roads_route_code"), "roads", ["route_code"], unique=False)
    op.create_index(op.f("ix_roads_township_code"), "roads", ["township_code"], unique=False)
    op.create_table(
        "schools",
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("pupils", sa.Integer(), nullable=True),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4490,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                spatial_index=False,
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "villages_served", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("township_code", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("severity", sa.Text(), nullable=True),
        sa.Column("cost_wan", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("resp_unit", sa.Text(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("finished_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "level IN ('kindergarten', 'primary', 'junior', 'nine_year')",
            name=op.f("ck_schools_level"),
        ),
        sa.CheckConstraint(
            "severity IN ('light', 'moderate', 'severe', 'destroyed')",
            name=op.f("ck_schools_severity"),
        ),
        sa.CheckConstraint(
            "status IN ('assess', 'not_started', 'opening', 'opened', 'repairing', 'done', 'accepted')",
            name=op.f("ck_schools_status"),
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_schools_geom_valid")),
        sa.CheckConstraint("ST_SRID(geom) = 4490", name=op.f("ck_schools_geom_srid")),
        sa.CheckConstraint("cost_wan IS NULL OR cost_wan >= 0", name=op.f("ck_schools_cost_wan")),
        sa.CheckConstraint(
            "finished_on IS NULL OR started_on IS NULL OR finished_on >= started_on",
            name=op.f("ck_schools_finished_on"),
        ),
        sa.CheckConstraint("pupils IS NULL OR pupils >= 0", name=op.f("ck_schools_pupils")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_schools_version")),
        sa.ForeignKeyConstraint(
            ["township_code"], ["townships.code"], name=op.f("fk_schools_township_code")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schools")),
        sa.UniqueConstraint("code", name=op.f("uq_schools_code")),
    )
    op.create_index("idx_schools_geom", "schools", ["geom"], unique=False, postgresql_using="gist")
    op.create_index(op.f("ix_schools_township_code"), "schools", ["township_code"], unique=False)
    op.create_table(
        "telecom_sites",
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("operator", sa.Text(), nullable=True),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4490,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                spatial_index=False,
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "villages_served", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("township_code", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("severity", sa.Text(), nullable=True),
        sa.Column("cost_wan", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("resp_unit", sa.Text(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("finished_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('base_station', 'machine_room', 'duct')", name=op.f("ck_telecom_sites_kind")
        ),
        sa.CheckConstraint(
            "severity IN ('light', 'moderate', 'severe', 'destroyed')",
            name=op.f("ck_telecom_sites_severity"),
        ),
        sa.CheckConstraint(
            "status IN ('assess', 'not_started', 'opening', 'opened', 'repairing', 'done', 'accepted')",
            name=op.f("ck_telecom_sites_status"),
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_telecom_sites_geom_valid")),
        sa.CheckConstraint("ST_SRID(geom) = 4490", name=op.f("ck_telecom_sites_geom_srid")),
        sa.CheckConstraint(
            "cost_wan IS NULL OR cost_wan >= 0", name=op.f("ck_telecom_sites_cost_wan")
        ),
        sa.CheckConstraint(
            "finished_on IS NULL OR started_on IS NULL OR finished_on >= started_on",
            name=op.f("ck_telecom_sites_finished_on"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_telecom_sites_version")),
        sa.ForeignKeyConstraint(
            ["township_code"], ["townships.code"], name=op.f("fk_telecom_sites_township_code")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telecom_sites")),
        sa.UniqueConstraint("code", name=op.f("uq_telecom_sites_code")),
    )
    op.create_index(
        "idx_telecom_sites_geom", "telecom_sites", ["geom"], unique=False, postgresql_using="gist"
    )
    op.create_index(
        op.f("ix_telecom_sites_township_code"), "telecom_sites", ["township_code"], unique=False
    )
    op.create_table(
        "villages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("township_code", sa.Text(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("households", sa.Integer(), nullable=True),
        sa.Column("severely_hit", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("help_unit", sa.Text(), nullable=True),
        sa.Column("work_team", sa.Text(), nullable=True),
        sa.Column(
            "centre",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4490,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4490,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                spatial_index=False,
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("code ~ '^[0-9]{12}$'", name=op.f("ck_villages_code")),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_villages_geom_valid")),
        sa.CheckConstraint("ST_SRID(geom) = 4490", name=op.f("ck_villages_geom_srid")),
        sa.CheckConstraint(
            "households IS NULL OR households >= 0", name=op.f("ck_villages_households")
        ),
        sa.CheckConstraint(
            "population IS NULL OR population >= 0", name=op.f("ck_villages_population")
        ),
        sa.ForeignKeyConstraint(
            ["township_code"], ["townships.code"], name=op.f("fk_villages_township_code")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_villages")),
        sa.UniqueConstraint("code", name=op.f("uq_villages_code")),
    )
    op.create_index(
        "idx_villages_geom", "villages", ["geom"], unique=False, postgresql_using="gist"
    )
    op.create_index(op.f("ix_villages_township_code"), "villages", ["township_code"], unique=False)
    op.create_table(
        "water_works",
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("use", sa.Text(), nullable=False),
        sa.Column(
            "villages_served", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("emergency_supply", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                srid=4490,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                spatial_index=False,
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("township_code", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("severity", sa.Text(), nullable=True),
        sa.Column("cost_wan", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("resp_unit", sa.Text(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("finished_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "ST_GeometryType(geom) IN ('ST_Point', 'ST_LineString')",
            name=op.f("ck_water_works_geom_type"),
        ),
        sa.CheckConstraint(
            "kind IN ('plant', 'intake', 'network', 'pump', 'dyke')",
            name=op.f("ck_water_works_kind"),
        ),
        sa.CheckConstraint(
            "severity IN ('light', 'moderate', 'severe', 'destroyed')",
            name=op.f("ck_water_works_severity"),
        ),
        sa.CheckConstraint(
            "status IN ('assess', 'not_started', 'opening', 'opened', 'repairing', 'done', 'accepted')",
            name=op.f("ck_water_works_status"),
        ),
        sa.CheckConstraint(
            "use IN ('living', 'production', 'flood')", name=op.f("ck_water_works_use")
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_water_works_geom_valid")),
        sa.CheckConstraint("ST_SRID(geom) = 4490", name=op.f("ck_water_works_geom_srid")),
        sa.CheckConstraint(
            "cost_wan IS NULL OR cost_wan >= 0", name=op.f("ck_water_works_cost_wan")
        ),
        sa.CheckConstraint(
            "finished_on IS NULL OR started_on IS NULL OR finished_on >= started_on",
            name=op.f("ck_water_works_finished_on"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_water_works_version")),
        sa.ForeignKeyConstraint(
            ["township_code"], ["townships.code"], name=op.f("fk_water_works_township_code")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_water_works")),
        sa.UniqueConstraint("code", name=op.f("uq_water_works_code")),
    )
    op.create_index(
        "idx_water_works_geom", "water_works", ["geom"], unique=False, postgresql_using="gist"
    )
    op.create_index(
        op.f("ix_water_works_township_code"), "water_works", ["township_code"], unique=False
    )
    op.create_table(
        "households",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("head_name", sa.Text(), nullable=False),
        sa.Column("id_number", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("monitor_kind", sa.Text(), nullable=True),
        sa.Column("risk_food", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("risk_clothing", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("risk_education", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("risk_medical", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("risk_housing", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("risk_water", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("house_grade", sa.Text(), nullable=True),
        sa.Column("flood_damage", sa.Text(), server_default="none", nullable=False),
        sa.Column("income_per_capita", sa.Numeric(precision=10, scale=0), nullable=True),
        sa.Column("helper", sa.Text(), nullable=True),
        sa.Column("village_code", sa.Text(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4490,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                spatial_index=False,
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(category = 'monitored') = (monitor_kind IS NOT NULL)",
            name=op.f("ck_households_monitor_kind_category"),
        ),
        sa.CheckConstraint(
            "category IN ('tuopin', 'monitored', 'dibao', 'tekun', 'general')",
            name=op.f("ck_households_category"),
        ),
        sa.CheckConstraint(
            "flood_damage IN ('none', 'light', 'moderate', 'severe')",
            name=op.f("ck_households_flood_damage"),
        ),
        sa.CheckConstraint(
            "house_grade IN ('A', 'B', 'C', 'D')", name=op.f("ck_households_house_grade")
        ),
        sa.CheckConstraint(
            "id_number IS NULL OR id_number ~ '^[0-9]{17}[0-9X]$'",
            name=op.f("ck_households_id_number"),
        ),
        sa.CheckConstraint(
            "monitor_kind IN ('unstable', 'marginal', 'sudden')",
            name=op.f("ck_households_monitor_kind"),
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_households_geom_valid")),
        sa.CheckConstraint("ST_SRID(geom) = 4490", name=op.f("ck_households_geom_srid")),
        sa.CheckConstraint("members >= 1", name=op.f("ck_households_members")),
        sa.ForeignKeyConstraint(
            ["village_code"], ["villages.code"], name=op.f("fk_households_village_code")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
        sa.UniqueConstraint("code", name=op.f("uq_households_code")),
    )
    op.create_index(
        "idx_households_geom", "households", ["geom"], unique=False, postgresql_using="gist"
    )
    op.create_index(
        op.f("ix_households_village_code"), "households", ["village_code"], unique=False
    )
    op.create_table(
        "pv_stations",
        sa.Column("village_code", sa.Text(), nullable=True),
        sa.Column("capacity_kw", sa.Float(), nullable=False),
        sa.Column(
            "beneficiaries", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("welfare_posts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("damage_kind", sa.Text(), nullable=True),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4490,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                spatial_index=False,
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("township_code", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("severity", sa.Text(), nullable=True),
        sa.Column("cost_wan", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("resp_unit", sa.Text(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("finished_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "damage_kind IN ('modules', 'inverter', 'logger', 'flooded', 'soiled')",
            name=op.f("ck_pv_stations_damage_kind"),
        ),
        sa.CheckConstraint(
            "severity IN ('light', 'moderate', 'severe', 'destroyed')",
            name=op.f("ck_pv_stations_severity"),
        ),
        sa.CheckConstraint(
            "status IN ('assess', 'not_started', 'opening', 'opened', 'repairing', 'done', 'accepted')",
            name=op.f("ck_pv_stations_status"),
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_pv_stations_geom_valid")),
        sa.CheckConstraint("ST_SRID(geom) = 4490", name=op.f("ck_pv_stations_geom_srid")),
        sa.CheckConstraint("capacity_kw > 0", name=op.f("ck_pv_stations_capacity_kw")),
        sa.CheckConstraint(
            "cost_wan IS NULL OR cost_wan >= 0", name=op.f("ck_pv_stations_cost_wan")
        ),
        sa.CheckConstraint(
            "finished_on IS NULL OR started_on IS NULL OR finished_on >= started_on",
            name=op.f("ck_pv_stations_finished_on"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_pv_stations_version")),
        sa.CheckConstraint("welfare_posts >= 0", name=op.f("ck_pv_stations_welfare_posts")),
        sa.ForeignKeyConstraint(
            ["township_code"], ["townships.code"], name=op.f("fk_pv_stations_township_code")
        ),
        sa.ForeignKeyConstraint(
            ["village_code"], ["villages.code"], name=op.f("fk_pv_stations_village_code")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pv_stations")),
        sa.UniqueConstraint("code", name=op.f("uq_pv_stations_code")),
    )
    op.create_index(
        "idx_pv_stations_geom", "pv_stations", ["geom"], unique=False, postgresql_using="gist"
    )
    op.create_index(
        op.f("ix_pv_stations_township_code"), "pv_stations", ["township_code"], unique=False
    )
    op.create_index(
        op.f("ix_pv_stations_village_code"), "pv_stations", ["village_code"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_pv_stations_village_code"), table_name="pv_stations")
    op.drop_index(op.f("ix_pv_stations_township_code"), table_name="pv_stations")
    op.drop_index("idx_pv_stations_geom", table_name="pv_stations", postgresql_using="gist")
    op.drop_table("pv_stations")
    op.drop_index(op.f("ix_households_village_code"), table_name="households")
    op.drop_index("idx_households_geom", table_name="households", postgresql_using="gist")
    op.drop_table("households")
    op.drop_index(op.f("ix_water_works_township_code"), table_name="water_works")
    op.drop_index("idx_water_works_geom", table_name="water_works", postgresql_using="gist")
    op.drop_table("water_works")
    op.drop_index(op.f("ix_villages_township_code"), table_name="villages")
    op.drop_index("idx_villages_geom", table_name="villages", postgresql_using="gist")
    op.drop_table("villages")
    op.drop_index(op.f("ix_telecom_sites_township_code"), table_name="telecom_sites")
    op.drop_index("idx_telecom_sites_geom", table_name="telecom_sites", postgresql_using="gist")
    op.drop_table("telecom_sites")
    op.drop_index(op.f("ix_schools_township_code"), table_name="schools")
    op.drop_index("idx_schools_geom", table_name="schools", postgresql_using="gist")
    op.drop_table("schools")
    op.drop_index(op.f("ix_roads_township_code"), table_name="roads")
    op.drop_index(op.f("ix_roads_route_code"), table_name="roads")
    op.drop_index("idx_roads_geom", table_name="roads", postgresql_using="gist")
    op.drop_table("roads")
    op.drop_index(op.f("ix_power_lines_township_code"), table_name="power_lines")
    op.drop_index(op.f("ix_power_lines_feeder"), table_name="power_lines")
    op.drop_index("idx_power_lines_geom", table_name="power_lines", postgresql_using="gist")
    op.drop_table("power_lines")
    op.drop_index(op.f("ix_clinics_township_code"), table_name="clinics")
    op.drop_index("idx_clinics_geom", table_name="clinics", postgresql_using="gist")
    op.drop_table("clinics")
    op.drop_index("idx_townships_geom", table_name="townships", postgresql_using="gist")
    op.drop_table("townships")
    op.drop_index("idx_flood_extent_geom", table_name="flood_extent", postgresql_using="gist")
    op.drop_table("flood_extent")
    op.drop_index("idx_county_geom", table_name="county", postgresql_using="gist")
    op.drop_table("county")
