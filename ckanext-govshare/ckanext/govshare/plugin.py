"""GovShare: the table of contents. Each interface delegates to one capability."""
from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation

from ckanext.govshare import cli
from ckanext.govshare import content_policy
from ckanext.govshare import core_messages
from ckanext.govshare import js_translations
from ckanext.govshare import page_errors
from ckanext.govshare import request_guard
from ckanext.govshare.api_centre import views as api_centre_views
from ckanext.govshare.applications import grants as application_grants
from ckanext.govshare.applications import helpers as application_helpers
from ckanext.govshare.applications import jobs as application_jobs
from ckanext.govshare.applications import subscriptions as application_subscriptions
from ckanext.govshare.applications import views as application_views
from ckanext.govshare.applications.logic import action as application_action
from ckanext.govshare.applications.logic import auth as application_auth
from ckanext.govshare.applications import report_views as application_report_views
from ckanext.govshare.applications.logic import report_action as application_report_action
from ckanext.govshare.applications.logic import tick_action as application_tick_action
from ckanext.govshare.audit.logic import action as audit_action
from ckanext.govshare.audit.logic import auth as audit_auth
from ckanext.govshare.catalog import facets as catalog_facets
from ckanext.govshare.catalog import fast_validation
from ckanext.govshare.catalog import hooks as catalog_hooks
from ckanext.govshare.catalog import index as catalog_index
from ckanext.govshare.catalog import names as catalog_names
from ckanext.govshare.catalog import resource_form as catalog_resource_form
from ckanext.govshare.catalog.logic import validators as catalog_validators
from ckanext.govshare.catalog_review import facets as catalog_review_facets
from ckanext.govshare.catalog_review import helpers as catalog_review_helpers
from ckanext.govshare.catalog_review import hooks as catalog_review_hooks
from ckanext.govshare.catalog_review import index as catalog_review_index
from ckanext.govshare.catalog_review import views as catalog_review_views
from ckanext.govshare.catalog_review.logic import action as catalog_review_action
from ckanext.govshare.catalog_review.logic import auth as catalog_review_auth
from ckanext.govshare.data_requests import views as data_request_views
from ckanext.govshare.data_requests.logic import action as data_request_action
from ckanext.govshare.data_requests.logic import auth as data_request_auth
from ckanext.govshare.database import user_lookup
from ckanext.govshare.dcat import entry_points as dcat_entry_points
from ckanext.govshare.dcat import views as dcat_views
from ckanext.govshare.error_reports import helpers as error_report_helpers
from ckanext.govshare.error_reports import views as error_report_views
from ckanext.govshare.error_reports.logic import action as error_report_action
from ckanext.govshare.error_reports.logic import auth as error_report_auth
from ckanext.govshare.dcat.logic import action as dcat_action
from ckanext.govshare.dcat.logic import auth as dcat_auth
from ckanext.govshare.logic import merged
from ckanext.govshare.labelling import downloads as labelling_downloads
from ckanext.govshare.jurisdiction import profile as jurisdiction_profile
from ckanext.govshare.labelling import helpers as labelling_helpers
from ckanext.govshare.labelling import views as labelling_views
from ckanext.govshare.labelling.logic import action as labelling_action
from ckanext.govshare.labelling.logic import auth as labelling_auth
from ckanext.govshare.links import helpers as link_helpers
from ckanext.govshare.links.logic import action as link_action
from ckanext.govshare.links.logic import validators as link_validators
from ckanext.govshare.notifications import helpers as notification_helpers
from ckanext.govshare.notifications import views as notification_views
from ckanext.govshare.notifications.logic import action as notification_action
from ckanext.govshare.notifications.logic import auth as notification_auth
from ckanext.govshare.products import facets as product_facets
from ckanext.govshare.products import helpers as product_helpers
from ckanext.govshare.products import index as product_index
from ckanext.govshare.products import views as product_views
from ckanext.govshare.products.logic import action as product_action
from ckanext.govshare.products.logic import auth as product_auth
from ckanext.govshare.products.logic import validators as product_validators
from ckanext.govshare.page_cache import pages as page_cache_pages
from ckanext.govshare.page_cache.logic import action as page_cache_action
from ckanext.govshare.page_cache.logic import auth as page_cache_auth
from ckanext.govshare.page_cache import writes as page_cache_writes
from ckanext.govshare.personal_data import helpers as personal_data_helpers
from ckanext.govshare.personal_data import jobs as personal_data_jobs
from ckanext.govshare.personal_data.logic import action as personal_data_action
from ckanext.govshare.personal_data.logic import auth as personal_data_auth
from ckanext.govshare.portal import help as portal_help
from ckanext.govshare.portal import views as portal_views
from ckanext.govshare.previews import views as preview_views
from ckanext.govshare.previews.logic import action as preview_action
from ckanext.govshare.publication import hooks as publication_hooks
from ckanext.govshare.publication import views as publication_views
from ckanext.govshare.publication.logic import action as publication_action
from ckanext.govshare.publication.logic import auth as publication_auth
from ckanext.govshare.search import backend as search_backend
from ckanext.govshare.search import index_once as search_index_once
from ckanext.govshare.search import document as search_document
from ckanext.govshare.search import helpers as search_helpers
from ckanext.govshare.search import popularity as search_popularity
from ckanext.govshare.search import warm as search_warm
from ckanext.govshare.search.logic import action as search_action
from ckanext.govshare.stats import helpers as stats_helpers
from ckanext.govshare.stats import views as stats_views
from ckanext.govshare.stats.logic import action as stats_action
from ckanext.govshare.stats.logic import auth as stats_auth
from ckanext.govshare.supervision.logic import action as supervision_action
from ckanext.govshare.supervision.logic import auth as supervision_auth
from ckanext.govshare.tiers import display as tier_display
from ckanext.govshare.tiers import helpers as tier_helpers
from ckanext.govshare.tiers import hooks as tier_hooks
from ckanext.govshare.tiers import labels as tier_labels
from ckanext.govshare.tiers import views as tier_views
from ckanext.govshare.tiers.logic import action as tier_action
from ckanext.govshare.tiers.logic import auth as tier_auth


@tk.blanket.config_declarations
@tk.blanket.cli(cli.get_commands)
@tk.blanket.validators(lambda: {**catalog_validators.get_validators(),
                                **catalog_names.get_validators(),
                                **link_validators.get_validators(),
                                **product_validators.get_validators()})
@tk.blanket.helpers(lambda: {**application_helpers.get_helpers(),
                             **error_report_helpers.get_helpers(),
                             **content_policy.get_helpers(),
                             **core_messages.get_helpers(),
                             **catalog_review_helpers.get_helpers(),
                             **labelling_helpers.get_helpers(),
                             **link_helpers.get_helpers(),
                             **notification_helpers.get_helpers(),
                             **product_helpers.get_helpers(),
                             **personal_data_helpers.get_helpers(),
                             **portal_help.get_helpers(),
                             **publication_views.get_helpers(),
                             **search_helpers.get_helpers(),
                             **stats_helpers.get_helpers(),
                             **tier_helpers.get_helpers(),
                             **tier_display.get_helpers()})
@tk.blanket.actions(lambda: merged(application_action.get_actions(),
                                   application_report_action.get_actions(),
                                   application_tick_action.get_actions(),
                                   audit_action.get_actions(),
                                   error_report_action.get_actions(),
                                   data_request_action.get_actions(),
                                   catalog_review_action.get_actions(),
                                   search_action.get_actions(),
                                   tier_action.get_actions(),
                                   dcat_action.get_actions(),
                                   labelling_action.get_actions(),
                                   link_action.get_actions(),
                                   notification_action.get_actions(),
                                   page_cache_action.get_actions(),
                                   personal_data_action.get_actions(),
                                   preview_action.get_actions(),
                                   product_action.get_actions(),
                                   publication_action.get_actions(),
                                   supervision_action.get_actions(),
                                   stats_action.get_actions()))
@tk.blanket.auth_functions(lambda: merged(application_auth.get_auth_functions(),
                                          application_tick_action.get_auth_functions(),
                                          audit_auth.get_auth_functions(),
                                          error_report_auth.get_auth_functions(),
                                          data_request_auth.get_auth_functions(),
                                          catalog_review_auth.get_auth_functions(),
                                          tier_auth.get_auth_functions(),
                                          labelling_auth.get_auth_functions(),
                                          notification_auth.get_auth_functions(),
                                          page_cache_auth.get_auth_functions(),
                                          personal_data_auth.get_auth_functions(),
                                          product_auth.get_auth_functions(),
                                          dcat_auth.get_auth_functions(),
                                          publication_auth.get_auth_functions(),
                                          supervision_auth.get_auth_functions(),
                                          stats_auth.get_auth_functions()))
@tk.blanket.blueprints(lambda: [*portal_views.get_blueprints(),
                                *application_views.get_blueprints(),
                                *error_report_views.get_blueprints(),
                                *data_request_views.get_blueprints(),
                                *api_centre_views.get_blueprints(),
                                *catalog_review_views.get_blueprints(),
                                *application_report_views.get_blueprints(),
                                *tier_views.get_blueprints(),
                                *labelling_views.get_blueprints(),
                                *notification_views.get_blueprints(),
                                *product_views.get_blueprints(),
                                *dcat_views.get_blueprints(),
                                *publication_views.get_blueprints(),
                                *stats_views.get_blueprints()])
class GovSharePlugin(p.SingletonPlugin, DefaultTranslation):
    p.implements(p.IConfigurer)
    p.implements(p.IConfigurable)
    p.implements(p.ITranslation)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IOrganizationController, inherit=True)
    p.implements(p.IResourceController, inherit=True)
    p.implements(p.IFacets, inherit=True)
    p.implements(p.IPermissionLabels)
    p.implements(p.IMiddleware, inherit=True)
    p.implements(p.ISignal)

    # IConfigurer
    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")
        tk.add_public_directory(config, "public")
        tk.add_resource("assets", "govshare")
        request_guard.secure_cookies(config)
        # Runs before CKAN initialises its Solr settings, so the embedded
        # engine is in place before the first search call.
        search_backend.install(config)
        user_lookup.install()  # one SELECT per user and transaction
        search_index_once.install()  # a dataset indexed once per commit, not twice
        page_cache_writes.install()  # every committed write moves the kept pages' version
        dcat_entry_points.install()  # RDF profiles found once, not per request
        fast_validation.install()  # CKAN's schema validation without its repeated work
        search_document.configure(config)
        jurisdiction_profile.check()  # an unreadable profile stops the start
        application_grants.register()
        application_jobs.register()  # how its notices read in the message centre
        labelling_downloads.register()
        search_popularity.register()  # downloads re-rank search results

    # IConfigurable: the database is there; a web process reads what its
    # first search needs while CKAN builds the rest of the app
    def configure(self, config: Any) -> None:
        search_warm.start(config)

    def update_config_schema(self, schema: Any) -> Any:
        # the Help page's sections a sysadmin writes at /ckan-admin/config
        return portal_help.update_config_schema(schema)

    # IPackageController
    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        pkg_dict = tier_hooks.before_dataset_index(pkg_dict)
        pkg_dict = product_index.before_dataset_index(pkg_dict)
        pkg_dict = catalog_review_index.before_dataset_index(pkg_dict)
        pkg_dict = search_document.before_dataset_index(pkg_dict)
        return catalog_index.before_dataset_index(pkg_dict)

    def after_dataset_create(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        publication_hooks.after_dataset_create(context, pkg_dict)

    def after_dataset_show(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        tier_hooks.after_dataset_show(context, pkg_dict)

    def after_dataset_update(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        catalog_review_hooks.after_dataset_update(context, pkg_dict)
        tier_hooks.after_dataset_update(context, pkg_dict)

    def after_dataset_search(self, search_results: dict[str, Any],
                             search_params: dict[str, Any]) -> dict[str, Any]:
        return catalog_review_facets.label_items(
            product_facets.label_items(catalog_facets.label_items(search_results)))

    # IOrganizationController: a new name, title or short names re-index its
    # datasets (IPackageController's edit, of the same name, passes datasets)
    def edit(self, entity: Any) -> None:
        catalog_hooks.organization_edit(entity)

    # IResourceController: a resource change is not an update of the entry
    def before_resource_create(self, context: Any, resource: dict[str, Any]) -> None:
        catalog_review_hooks.mark_resource_change(context)

    def before_resource_update(self, context: Any, current: dict[str, Any],
                               resource: dict[str, Any]) -> None:
        catalog_review_hooks.mark_resource_change(context)

    # an upload created or replaced is scanned for personal data (a job)
    def after_resource_create(self, context: Any, resource: dict[str, Any]) -> None:
        personal_data_jobs.after_resource_change(context, resource)

    def after_resource_update(self, context: Any, resource: dict[str, Any]) -> None:
        personal_data_jobs.after_resource_change(context, resource)

    def before_resource_delete(self, context: Any, resource: dict[str, Any],
                               resources: list[dict[str, Any]]) -> None:
        catalog_review_hooks.mark_resource_change(context)

    # IFacets
    def dataset_facets(self, facets_dict: dict[str, Any], package_type: str) -> dict[str, Any]:
        return catalog_facets.tier_first(catalog_review_facets.add_facet(
            product_facets.add_type_facet(catalog_facets.retitle(facets_dict))))

    def organization_facets(self, facets_dict: dict[str, Any], organization_type: str,
                            package_type: str | None) -> dict[str, Any]:
        return catalog_facets.tier_first(
            catalog_review_facets.add_facet(catalog_facets.retitle(facets_dict)))

    def group_facets(self, facets_dict: dict[str, Any], group_type: str,
                     package_type: str | None) -> dict[str, Any]:
        return catalog_facets.tier_first(catalog_facets.retitle(facets_dict))

    # IPermissionLabels: closed datasets are seen by their organization only
    def get_dataset_labels(self, dataset_obj: Any) -> list[str]:
        return tier_labels.get_dataset_labels(dataset_obj)

    def get_user_dataset_labels(self, user_obj: Any) -> list[str]:
        return tier_labels.get_user_dataset_labels(user_obj)

    # IMiddleware: no download route (nor the DataStore's dump) serves data
    # without access; no API
    # request CKAN would answer with a 500 gets that far; no page lets a
    # logic error become a 500 (the dataset form's last step shows the rule
    # at its field); CKAN's scripts get their translations; anonymous
    # visitors' public pages are kept (production)
    def make_middleware(self, app: Any, config: Any) -> Any:
        return page_cache_pages.install(js_translations.install(page_errors.install(
            catalog_resource_form.install(request_guard.install(preview_views.install(
                tier_views.make_middleware(app, config)))))))

    # ISignal: a calendar update recomputes provisional due dates
    def get_signal_subscriptions(self) -> Any:
        return application_subscriptions.get_subscriptions()
